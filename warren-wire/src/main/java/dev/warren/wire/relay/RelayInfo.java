package dev.warren.wire.relay;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.wire.MalformedMessageException;

import java.util.HexFormat;

/**
 * The JSON documents sealed inside the relay handshake ({@link RelayFrame.ClientInfo}, {@link RelayFrame.ServerInfo}).
 * Unknown fields are ignored, so either side may add fields; a document that is not JSON of the right shape is
 * refused with a {@link MalformedMessageException} naming the problem.
 *
 * <pre>
 * client info  {"version": 1, "meshKey": "&lt;64 hex&gt;"}            meshKey only from a relay of the same region
 * server info  {"version": 1, "rateBytesPerSecond": 0, "rateBurstBytes": 0}   0 = no limit
 * </pre>
 */
public final class RelayInfo {
    /** The protocol version this code speaks. */
    public static final int PROTOCOL_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private RelayInfo() {
    }

    /**
     * What a client says about itself.
     *
     * @param version its protocol version
     * @param meshKey the region's shared mesh key as 64 lowercase hex digits, only when the client is a relay of the
     *                same region; null otherwise
     */
    public record Client(int version, String meshKey) {
        /** A client info carrying {@code meshKey} (32 bytes) or none. */
        public static Client of(byte[] meshKey) {
            return new Client(PROTOCOL_VERSION, meshKey == null ? null : HexFormat.of().formatHex(meshKey));
        }

        /** The mesh key's bytes, or null when absent or not 64 hex digits. */
        public byte[] meshKeyBytes() {
            if (meshKey == null || meshKey.length() != 64) {
                return null;
            }
            try {
                return HexFormat.of().parseHex(meshKey);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        public byte[] toJson() {
            return write(this);
        }

        public static Client fromJson(byte[] json) throws MalformedMessageException {
            return read(json, Client.class, "client info");
        }
    }

    /**
     * What the relay tells a client after admitting it.
     *
     * @param version            the relay's protocol version
     * @param rateBytesPerSecond the relay's receive limit for this client in bytes per second, 0 = none; a client
     *                           keeps under it itself rather than have the relay drop its packets
     * @param rateBurstBytes     the token bucket's depth in bytes, 0 = none
     */
    public record Server(int version, long rateBytesPerSecond, long rateBurstBytes) {
        public byte[] toJson() {
            return write(this);
        }

        public static Server fromJson(byte[] json) throws MalformedMessageException {
            return read(json, Server.class, "server info");
        }
    }

    private static byte[] write(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + o, e);
        }
    }

    private static <T> T read(byte[] json, Class<T> type, String what) throws MalformedMessageException {
        try {
            T v = MAPPER.readValue(json, type);
            if (v == null) {
                throw new MalformedMessageException(what + " is JSON null");
            }
            return v;
        } catch (java.io.IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                    .orElse("");
            throw new MalformedMessageException(what + " is not valid JSON: " + msg);
        }
    }
}
