package dev.warren.crypto;

import java.util.Arrays;
import java.util.Objects;
import javax.crypto.SecretKey;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * A 32-byte ChaCha20-Poly1305 key prepared once so that the per-packet path of every {@link Aead} provider
 * finds it in the form it needs: a JCA {@link SecretKey} for the JDK provider, a BouncyCastle
 * {@link KeyParameter} for the BouncyCastle provider, and the raw bytes for libsodium.
 *
 * <p>Immutable until {@link #destroy()}, which zeroes every copy this class owns; copies made inside a
 * JDK {@code Cipher} that last used the key are outside its reach and are overwritten only when that
 * cipher is initialised with another key. Using a destroyed key throws {@link IllegalStateException}.
 *
 * <p>Thread-safe: one key may be used by many {@link Aead} instances on different threads at once.
 */
public final class AeadKey {
    private final byte[] raw;              // the key; zeroed by destroy()
    private final JcaKey jcaKey;           // reads raw on every init, so it is zeroed with raw
    private final KeyParameter bcKey;      // BouncyCastle keeps its own copy
    private volatile boolean destroyed;

    private AeadKey(byte[] key32) {
        this.raw = key32.clone();
        this.jcaKey = new JcaKey(raw);
        this.bcKey = new KeyParameter(raw);
    }

    /**
     * Prepares {@code key32} (copied; the caller may zero its array afterwards).
     *
     * @throws IllegalArgumentException unless the key is exactly {@value Aead#KEY_SIZE} bytes
     */
    public static AeadKey of(byte[] key32) {
        Objects.requireNonNull(key32, "key32");
        if (key32.length != Aead.KEY_SIZE) {
            throw new IllegalArgumentException("AEAD key must be " + Aead.KEY_SIZE + " bytes, got " + key32.length);
        }
        return new AeadKey(key32);
    }

    /** Zeroes the key material held here. Idempotent. */
    public void destroy() {
        destroyed = true;
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(bcKey.getKey(), (byte) 0);
    }

    /** True once {@link #destroy()} has been called. */
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return destroyed ? "AeadKey(destroyed)" : "AeadKey(redacted)";
    }

    /** The raw bytes, shared, for native providers. Callers must not modify or retain them. */
    byte[] raw() {
        checkLive();
        return raw;
    }

    SecretKey jcaKey() {
        checkLive();
        return jcaKey;
    }

    KeyParameter bcKey() {
        checkLive();
        return bcKey;
    }

    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("AeadKey used after destroy()");
        }
    }

    /**
     * A RAW JCA key over the shared array. Unlike {@code SecretKeySpec}, whose {@code destroy()} is
     * unsupported, its bytes are the ones {@link AeadKey#destroy()} zeroes.
     */
    private static final class JcaKey implements SecretKey {
        private static final long serialVersionUID = 1L;
        private final transient byte[] bytes;

        JcaKey(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public String getAlgorithm() {
            return "ChaCha20";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "AeadKey.JcaKey(redacted)";
        }
    }
}
