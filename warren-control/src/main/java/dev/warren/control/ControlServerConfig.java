package dev.warren.control;

import dev.warren.wire.time.Clock;

import java.nio.file.Path;

/**
 * Where and how a control server runs. Validated once, here; every message names the field.
 *
 * @param listenHost the host or address the HTTP listener binds ("127.0.0.1", "0.0.0.0", "::")
 * @param listenPort the TCP port, 0 for a random free port
 * @param stateDir   the directory holding the server key, the admin token, {@code control.json} and (by default)
 *                   the SQLite database
 * @param dbUrl      null for SQLite in {@code stateDir/control.db}; {@code postgresql://user:pass@host:port/db} or
 *                   {@code jdbc:postgresql://...} for PostgreSQL; {@code jdbc:sqlite:...} for another SQLite file
 * @param clock      the injected clock (use {@link Clock#system()} in production)
 * @param relayMap   a relay map JSON file ({@code --relay-map}) that replaces the saved one at start, or null to
 *                   keep {@code stateDir/relay-map.json} (or none)
 */
public record ControlServerConfig(String listenHost, int listenPort, Path stateDir, String dbUrl, Clock clock,
                                  Path relayMap) {
    /** A config without a relay map file. */
    public ControlServerConfig(String listenHost, int listenPort, Path stateDir, String dbUrl, Clock clock) {
        this(listenHost, listenPort, stateDir, dbUrl, clock, null);
    }

    public ControlServerConfig {
        if (listenHost == null || listenHost.isBlank()) {
            throw new IllegalArgumentException("listenHost is missing");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listenPort " + listenPort + " is outside 0..65535");
        }
        if (stateDir == null) {
            throw new IllegalArgumentException("stateDir is missing");
        }
        if (dbUrl != null) {
            if (dbUrl.isBlank()) {
                dbUrl = null;
            } else if (!dbUrl.startsWith("postgresql://") && !dbUrl.startsWith("postgres://")
                    && !dbUrl.startsWith("jdbc:postgresql:") && !dbUrl.startsWith("jdbc:sqlite:")) {
                throw new IllegalArgumentException("dbUrl '" + redact(dbUrl)
                        + "' must start with postgresql://, jdbc:postgresql: or jdbc:sqlite:");
            }
        }
        if (clock == null) {
            throw new IllegalArgumentException("clock is missing");
        }
    }

    /** This config with relay map file {@code file}. */
    public ControlServerConfig withRelayMap(Path file) {
        return new ControlServerConfig(listenHost, listenPort, stateDir, dbUrl, clock, file);
    }

    /** A config for tests and embedding: loopback, random port, SQLite in {@code stateDir}. */
    public static ControlServerConfig loopback(Path stateDir, Clock clock) {
        return new ControlServerConfig("127.0.0.1", 0, stateDir, null, clock);
    }

    /** The URL with any password replaced by {@code ***}, for messages and logs. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(://[^:/@]*:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "ControlServerConfig[listen=" + listenHost + ":" + listenPort + ", stateDir=" + stateDir
                + ", db=" + (dbUrl == null ? "sqlite in stateDir" : redact(dbUrl))
                + (relayMap == null ? "" : ", relayMap=" + relayMap) + "]";
    }
}
