package dev.warren.node;

import java.io.IOException;

/** The default network control transport of {@link NodeDaemon}. */
final class ControlTransport {
    private ControlTransport() {
    }

    static ControlDialerFactory dialers() {
        return (server, key, machine) -> () -> {
            throw new IOException("this build has no network control transport yet");
        };
    }

    static ServerKeyFetcher serverKeys() {
        return server -> {
            throw new IOException("this build has no network control transport yet");
        };
    }
}
