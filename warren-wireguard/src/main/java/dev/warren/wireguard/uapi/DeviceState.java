package dev.warren.wireguard.uapi;

import dev.warren.wire.key.PrivateKey;

import java.util.List;

/**
 * A device as {@code get=1} reports it.
 *
 * @param privateKey the interface's private key, or null when none is set (an all-zero key is treated
 *                   the same and not reported)
 * @param listenPort the UDP port actually bound (after {@code listen_port=0} the port the system chose),
 *                   or the configured one while the device is down; 0 = none, not reported
 * @param fwmark     the firewall mark as an unsigned 32-bit value; 0 = none, not reported
 * @param peers      the peers, in the order they are reported
 */
public record DeviceState(PrivateKey privateKey, int listenPort, int fwmark, List<PeerState> peers) {
    /** Validates ranges and copies the list. */
    public DeviceState {
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port " + listenPort + " out of range 0..65535");
        }
        peers = List.copyOf(peers);
    }

    /** A device with nothing configured. */
    public static DeviceState empty() {
        return new DeviceState(null, 0, 0, List.of());
    }
}
