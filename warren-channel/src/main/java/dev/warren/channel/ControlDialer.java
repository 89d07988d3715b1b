package dev.warren.channel;

import java.io.IOException;

/** Opens a new connection to one control server, authenticated with this node's machine key. */
@FunctionalInterface
public interface ControlDialer {
    ControlConnection connect() throws IOException;
}
