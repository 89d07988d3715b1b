package dev.warren.wireguard.uapi;

import dev.warren.wire.key.PrivateKey;

import java.util.List;

/**
 * One {@code set=1} transaction, fully parsed and validated before anything is applied. Fields that are
 * null were not in the request and stay as they are.
 *
 * <p>Applying it means, in this order (the order wireguard-go's line-by-line handling amounts to, since
 * device keys always precede the first {@code public_key}):
 * <ol>
 *   <li>{@code privateKey}: set it; an all-zero key removes the private key. wireguard-go also removes
 *       any existing peer whose public key equals the new public key, and drops the current
 *       handshakes and keypairs of all peers.</li>
 *   <li>{@code listenPort}: rebind (0 = let the system choose) if the device is up; failure is
 *       {@link UapiException#EADDRINUSE}. {@code fwmark}: set it on the sockets (0 = none); failure is
 *       also {@code EADDRINUSE}.</li>
 *   <li>{@code replacePeers}: remove every existing peer.</li>
 *   <li>{@code peers}: apply each {@link PeerChange} in list order, as if one after the other; the same
 *       public key may appear more than once.</li>
 * </ol>
 * When a key appears twice in the device section, the last value wins.
 *
 * @param privateKey   new private key, null = unchanged, all zeros = remove; the parser hands it over
 *                     clamped, as wireguard-go stores it
 * @param listenPort   new listen port 0..65535, null = unchanged
 * @param fwmark       new firewall mark (unsigned 32 bits), null = unchanged
 * @param replacePeers remove all existing peers before applying {@code peers}
 * @param peers        per-peer changes, in request order
 */
public record SetRequest(PrivateKey privateKey, Integer listenPort, Integer fwmark, boolean replacePeers,
                         List<PeerChange> peers) {
    /** Validates ranges and copies the list. */
    public SetRequest {
        if (listenPort != null && (listenPort < 0 || listenPort > 65535)) {
            throw new IllegalArgumentException("listen port " + listenPort + " out of range 0..65535");
        }
        peers = List.copyOf(peers);
    }
}
