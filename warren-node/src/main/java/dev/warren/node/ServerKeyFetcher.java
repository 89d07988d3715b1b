package dev.warren.node;

import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.net.URI;

/** Asks a control server for its public key ({@code GET /key}) before the first login. */
@FunctionalInterface
public interface ServerKeyFetcher {
    PublicKey fetch(URI loginServer) throws IOException;
}
