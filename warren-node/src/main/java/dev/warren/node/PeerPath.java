package dev.warren.node;

/**
 * How packets to one peer travel right now, as {@code warren status} and {@code warren ping} show it.
 *
 * <p>Text forms ({@link #text()}): {@code direct 192.0.2.1:41641}, {@code relay fra}, {@code -}.
 */
public sealed interface PeerPath {
    /** No path is known to work (no recent handshake, no relay). */
    PeerPath NONE = new None();

    /** The text form shown in status and ping output. */
    String text();

    /** True for a direct UDP path. */
    default boolean isDirect() {
        return this instanceof Direct;
    }

    /**
     * Direct UDP to {@code endpoint}.
     *
     * @param endpoint "ip:port" or "[v6]:port"
     */
    record Direct(String endpoint) implements PeerPath {
        public Direct {
            if (endpoint == null || endpoint.isBlank()) {
                throw new IllegalArgumentException("a direct path needs an endpoint");
            }
        }

        @Override
        public String text() {
            return "direct " + endpoint;
        }
    }

    /**
     * Through a relay of region {@code regionId}.
     *
     * @param regionId the relay region's id
     * @param code     its short code ("fra"), or null when the relay map does not name it
     */
    record Relay(int regionId, String code) implements PeerPath {
        @Override
        public String text() {
            return "relay " + (code != null ? code : "region-" + regionId);
        }
    }

    /** No working path. */
    record None() implements PeerPath {
        @Override
        public String text() {
            return "-";
        }
    }
}
