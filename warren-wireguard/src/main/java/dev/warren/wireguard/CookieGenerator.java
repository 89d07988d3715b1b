package dev.warren.wireguard;

import dev.warren.crypto.Blake2s;
import dev.warren.crypto.XAead;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wire.time.Clock;

/**
 * The initiator's side of WireGuard's cookie mechanism, one per peer: adds mac1 (keyed by the peer's public
 * key) to every handshake message we send, remembers it, and once the peer answers with a cookie reply,
 * adds mac2 (keyed by that cookie) to our messages for the next two minutes.
 *
 * <p>Concurrency: all state is guarded by {@code this}.
 */
final class CookieGenerator {
    private final Clock clock;
    private final byte[] mac1Key;
    private final byte[] encryptionKey;
    // guarded by this
    private byte[] lastMac1;
    // guarded by this
    private byte[] cookie;
    // guarded by this
    private long cookieSetNanos;

    CookieGenerator(Clock clock, PublicKey peer) {
        this.clock = clock;
        byte[] pk = peer.toBytes();
        mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, pk);
        encryptionKey = Blake2s.hash(Protocol.LABEL_COOKIE, pk);
    }

    /** Accepts a cookie reply that answers our last handshake message; false if it does not decrypt. */
    synchronized boolean consumeReply(WgMessage.CookieReply reply) {
        if (lastMac1 == null) {
            return false;
        }
        byte[] c = XAead.open(encryptionKey, reply.nonce(), reply.encryptedCookie(), lastMac1);
        if (c == null) {
            return false;
        }
        cookie = c;
        cookieSetNanos = clock.nanoTime();
        lastMac1 = null;
        return true;
    }

    /** Fills mac1 at {@code mac1Offset} and mac2 at {@code mac1Offset + 16} of an encoded handshake message. */
    synchronized void addMacs(byte[] msg, int mac1Offset) {
        Blake2s.mac(mac1Key, msg, 0, mac1Offset, msg, mac1Offset);
        lastMac1 = java.util.Arrays.copyOfRange(msg, mac1Offset, mac1Offset + 16);
        int mac2Offset = mac1Offset + 16;
        if (cookie != null && clock.nanoTime() - cookieSetNanos <= Protocol.COOKIE_REFRESH_TIME) {
            Blake2s.mac(cookie, msg, 0, mac2Offset, msg, mac2Offset);
        } else {
            java.util.Arrays.fill(msg, mac2Offset, mac2Offset + 16, (byte) 0);
        }
    }
}
