package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;

import java.util.List;
import java.util.Objects;

/**
 * The changes one {@code public_key=} section of a {@code set=1} request makes to one peer.
 *
 * <p>Applying it:
 * <ol>
 *   <li>If {@code publicKey} is the device's own public key (after this request's private key change),
 *       ignore the whole section, as wireguard-go does.</li>
 *   <li>If {@code remove}: remove the peer if it exists, and stop. (The parser discards everything else
 *       in a section that says {@code remove=true}, so the other fields are then empty.)</li>
 *   <li>If the peer does not exist: when {@code updateOnly}, ignore the section; otherwise create it.</li>
 *   <li>Set {@code presharedKey} (all zeros = none), {@code endpoint} and
 *       {@code persistentKeepaliveSeconds} when non-null. Turning keepalive on from 0 makes wireguard-go
 *       send a keepalive at once if the device is up.</li>
 *   <li>If {@code replaceAllowedIps}: remove all the peer's allowed IPs. Then remove each of
 *       {@code removeAllowedIps} that the peer owns. Then insert each of {@code addAllowedIps} in order,
 *       taking a prefix from another peer if needed (a re-inserted prefix moves to the end of the list).</li>
 * </ol>
 * The parser normalises the order of {@code allowed_ip} lines within a section: an addition cancels an
 * earlier removal of the same prefix and vice versa, and {@code replace_allowed_ips} cancels everything
 * before it, so the two lists are disjoint and applying them as above equals applying the lines one by
 * one (except for an add-then-remove of a prefix another peer owned, which wireguard-go would leave
 * unowned and this leaves with its owner).
 *
 * @param publicKey                  the peer
 * @param remove                     remove the peer
 * @param updateOnly                 change the peer only if it already exists
 * @param presharedKey               new preshared key, null = unchanged, all zeros = none
 * @param endpoint                   new endpoint, null = unchanged (the protocol cannot clear it)
 * @param persistentKeepaliveSeconds new interval 0..65535 (0 = off), null = unchanged
 * @param replaceAllowedIps          drop all existing allowed IPs first
 * @param addAllowedIps              prefixes to insert, in order (host bits cleared)
 * @param removeAllowedIps           prefixes to remove if this peer owns them ({@code allowed_ip=-PREFIX})
 */
public record PeerChange(PublicKey publicKey, boolean remove, boolean updateOnly, PresharedKey presharedKey,
                         Endpoint endpoint, Integer persistentKeepaliveSeconds, boolean replaceAllowedIps,
                         List<IpPrefix> addAllowedIps, List<IpPrefix> removeAllowedIps) {
    /** Validates ranges and copies the lists (null lists become empty). */
    public PeerChange {
        Objects.requireNonNull(publicKey, "publicKey");
        if (persistentKeepaliveSeconds != null
                && (persistentKeepaliveSeconds < 0 || persistentKeepaliveSeconds > 65535)) {
            throw new IllegalArgumentException("persistent keepalive " + persistentKeepaliveSeconds
                    + " out of range 0..65535");
        }
        addAllowedIps = addAllowedIps == null ? List.of() : List.copyOf(addAllowedIps);
        removeAllowedIps = removeAllowedIps == null ? List.of() : List.copyOf(removeAllowedIps);
    }

    /** A section that removes {@code publicKey}. */
    public static PeerChange removal(PublicKey publicKey) {
        return new PeerChange(publicKey, true, false, null, null, null, false, List.of(), List.of());
    }
}
