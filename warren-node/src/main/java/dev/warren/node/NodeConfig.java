package dev.warren.node;

import dev.warren.wire.time.Clock;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How {@link NodeDaemon} runs: validated once, then immutable.
 *
 * @param stateDir   where keys and the login are kept (created 0700 if missing)
 * @param tunName    the TUN interface to create, e.g. {@code warren0}
 * @param listenPort the WireGuard UDP port, 0 = let the system choose
 * @param socketPath the local API's Unix socket, e.g. {@code /run/warren/warren.sock}
 * @param clock      the clock for all of the node's timers
 */
public record NodeConfig(Path stateDir, String tunName, int listenPort, Path socketPath, Clock clock) {
    public static final String DEFAULT_TUN = "warren0";
    public static final int DEFAULT_PORT = 41641;
    public static final Path DEFAULT_SOCKET = Path.of("/run/warren/warren.sock");

    public NodeConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(clock, "clock");
        if (tunName == null || tunName.isEmpty() || tunName.length() > 15 || !tunName.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("TUN name \"" + tunName
                    + "\" must be 1..15 characters of letters, digits, '_', '.' or '-'");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port " + listenPort + " out of range 0..65535");
        }
    }
}
