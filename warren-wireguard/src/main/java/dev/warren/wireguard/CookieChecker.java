package dev.warren.wireguard;

import dev.warren.crypto.Blake2s;
import dev.warren.crypto.XAead;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wire.time.Clock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;

/**
 * The responder's side of WireGuard's DoS protection (paper §5.4.7): verifies mac1 on every handshake message
 * (proof that the sender knows our public key), and, while the device is under load, demands a valid mac2 —
 * a MAC keyed by a cookie bound to the sender's IP address and port — answering messages without one with an
 * encrypted cookie reply instead of doing any Diffie-Hellman work.
 *
 * <p>Concurrency: all state is guarded by {@code this}; the control loop is the only caller in practice.
 */
final class CookieChecker {
    private final Clock clock;
    private final RandomGenerator rng;
    // guarded by this
    private byte[] mac1Key;
    // guarded by this
    private byte[] encryptionKey;
    // guarded by this
    private final byte[] secret = new byte[32];
    // guarded by this
    private long secretSetNanos;
    // guarded by this
    private boolean secretValid;

    CookieChecker(Clock clock, RandomGenerator rng) {
        this.clock = clock;
        this.rng = rng;
    }

    /** Re-keys the checker for the device's (new) public key; null disables it. */
    synchronized void init(PublicKey devicePublic) {
        if (devicePublic == null) {
            mac1Key = null;
            encryptionKey = null;
            return;
        }
        byte[] pk = devicePublic.toBytes();
        mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, pk);
        encryptionKey = Blake2s.hash(Protocol.LABEL_COOKIE, pk);
    }

    /** True when {@code msg}'s mac1 (the 16 bytes before mac2, over everything before) is valid. */
    synchronized boolean checkMac1(byte[] msg, int macOffset) {
        if (mac1Key == null) {
            return false;
        }
        byte[] mac = new byte[16];
        Blake2s.mac(mac1Key, msg, 0, macOffset, mac, 0);
        return MessageDigest.isEqual(mac, java.util.Arrays.copyOfRange(msg, macOffset, macOffset + 16));
    }

    /** True when {@code msg}'s mac2 is valid for a cookie bound to {@code source} (address bytes + port). */
    synchronized boolean checkMac2(byte[] msg, int mac2Offset, byte[] source) {
        if (!secretValid || clock.nanoTime() - secretSetNanos > Protocol.COOKIE_REFRESH_TIME) {
            return false;
        }
        byte[] cookie = Blake2s.mac(secret, source);
        byte[] mac = new byte[16];
        Blake2s.mac(cookie, msg, 0, mac2Offset, mac, 0);
        return MessageDigest.isEqual(mac, java.util.Arrays.copyOfRange(msg, mac2Offset, mac2Offset + 16));
    }

    /** Builds the cookie reply for a handshake message from {@code source} whose sender index is {@code receiver}. */
    synchronized WgMessage.CookieReply createReply(byte[] msg, int mac1Offset, int receiver, byte[] source) {
        if (!secretValid || clock.nanoTime() - secretSetNanos > Protocol.COOKIE_REFRESH_TIME) {
            rng.nextBytes(secret);
            secretSetNanos = clock.nanoTime();
            secretValid = true;
        }
        byte[] cookie = Blake2s.mac(secret, source);
        byte[] nonce = new byte[WgMessage.COOKIE_NONCE_SIZE];
        rng.nextBytes(nonce);
        byte[] mac1 = java.util.Arrays.copyOfRange(msg, mac1Offset, mac1Offset + 16);
        byte[] sealed = XAead.seal(encryptionKey, nonce, cookie, mac1);
        return new WgMessage.CookieReply(receiver, nonce, sealed);
    }

    /** The bytes a cookie is bound to: source address then port (little-endian), like an AddrPort's binary form. */
    static byte[] sourceBytes(byte[] addr, int addrLen, int port) {
        ByteBuffer b = ByteBuffer.allocate(addrLen + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put(addr, 0, addrLen).putShort((short) port);
        return b.array();
    }
}
