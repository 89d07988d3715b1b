package dev.warren.crypto;

import java.util.Objects;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * BLAKE2s (RFC 7693) through BouncyCastle's lightweight {@link Blake2sDigest}; the JDK has no BLAKE2.
 *
 * <p>Three forms are used by WireGuard: the unkeyed 32-byte {@link #hash HASH}, the keyed 16-byte
 * {@link #mac MAC} (mac1/mac2 and the cookie, keyed with 32 or 16 bytes) and {@link #hmac HMAC} over
 * BLAKE2s with its 64-byte block, which is the building block of {@link Kdf}.
 *
 * <p>Concurrency: every call builds its own digest, so all methods are safe from any thread; nothing is
 * cached between calls (a digest costs well under a microsecond to set up, see JAVA-NOTES §2).
 */
public final class Blake2s {
    /** Output size of {@link #hash} and {@link #hmac}, in bytes. */
    public static final int HASH_SIZE = 32;
    /** Output size of {@link #mac}, in bytes. */
    public static final int MAC_SIZE = 16;
    /** Largest key BLAKE2s accepts for keyed hashing. */
    public static final int MAX_KEY_SIZE = 32;

    private Blake2s() {
    }

    /** Unkeyed BLAKE2s-256 of the concatenation of {@code parts}. */
    public static byte[] hash(byte[]... parts) {
        Blake2sDigest d = new Blake2sDigest(HASH_SIZE * 8);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[HASH_SIZE];
        d.doFinal(out, 0);
        return out;
    }

    /**
     * Keyed BLAKE2s with a 16-byte output over the concatenation of {@code parts} (WireGuard's {@code MAC}).
     *
     * @param key 1 to 32 bytes; WireGuard uses 32 (mac1) and 16 (mac2, keyed by the cookie)
     */
    public static byte[] mac(byte[] key, byte[]... parts) {
        Blake2sDigest d = keyed(key);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[MAC_SIZE];
        d.doFinal(out, 0);
        return out;
    }

    /**
     * Keyed 16-byte BLAKE2s of {@code in[off, off+len)} written to {@code out[outOff, outOff+16)}, without
     * copying the input; for computing mac1/mac2 over a message in place.
     */
    public static void mac(byte[] key, byte[] in, int off, int len, byte[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, in.length);
        Objects.checkFromIndexSize(outOff, MAC_SIZE, out.length);
        Blake2sDigest d = keyed(key);
        d.update(in, off, len);
        d.doFinal(out, outOff);
    }

    /** HMAC-BLAKE2s (RFC 2104 with a 64-byte block) of the concatenation of {@code parts}; 32-byte output. */
    public static byte[] hmac(byte[] key, byte[]... parts) {
        Objects.requireNonNull(key, "key");
        HMac h = new HMac(new Blake2sDigest(HASH_SIZE * 8));
        h.init(new KeyParameter(key));
        for (byte[] p : parts) {
            h.update(p, 0, p.length);
        }
        byte[] out = new byte[HASH_SIZE];
        h.doFinal(out, 0);
        return out;
    }

    private static Blake2sDigest keyed(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0 || key.length > MAX_KEY_SIZE) {
            throw new IllegalArgumentException("BLAKE2s MAC key must be 1.." + MAX_KEY_SIZE + " bytes, got " + key.length);
        }
        return new Blake2sDigest(key, MAC_SIZE, null, null);
    }
}
