package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;

import java.util.List;
import java.util.Objects;

/**
 * A peer as {@code get=1} reports it.
 *
 * @param publicKey                  the peer's public key
 * @param presharedKey               the preshared key; null is normalised to {@link PresharedKey#NONE}
 *                                   (reported as 64 zeros, as wireguard-go does)
 * @param endpoint                   the current endpoint, or null when unknown (then not reported)
 * @param lastHandshakeEpochNanos    wall-clock time of the last completed handshake in nanoseconds since
 *                                   the Unix epoch; 0 = never
 * @param txBytes                    bytes sent, as an unsigned 64-bit counter
 * @param rxBytes                    bytes received, as an unsigned 64-bit counter
 * @param persistentKeepaliveSeconds 0 (off) to 65535
 * @param allowedIps                 the peer's prefixes, in the order they were inserted
 */
public record PeerState(PublicKey publicKey, PresharedKey presharedKey, Endpoint endpoint,
                        long lastHandshakeEpochNanos, long txBytes, long rxBytes,
                        int persistentKeepaliveSeconds, List<IpPrefix> allowedIps) {
    /** Validates ranges, normalises a null preshared key and copies the list. */
    public PeerState {
        Objects.requireNonNull(publicKey, "publicKey");
        if (presharedKey == null) {
            presharedKey = PresharedKey.NONE;
        }
        if (lastHandshakeEpochNanos < 0) {
            throw new IllegalArgumentException("last handshake time must not be negative");
        }
        if (persistentKeepaliveSeconds < 0 || persistentKeepaliveSeconds > 65535) {
            throw new IllegalArgumentException("persistent keepalive " + persistentKeepaliveSeconds
                    + " out of range 0..65535");
        }
        allowedIps = List.copyOf(allowedIps);
    }
}
