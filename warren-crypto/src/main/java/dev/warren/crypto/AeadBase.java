package dev.warren.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * What every {@link Aead} provider shares: argument checks, the WireGuard nonce, position bookkeeping and
 * the {@code byte[]} helpers. A provider implements only {@link #sealCore} and {@link #openCore} over a
 * full 12-byte nonce, which also lets the tests run RFC 8439 vectors whose nonce is not WireGuard-shaped.
 *
 * <p>Invariants on entry to the cores: the key is live, {@code out} is writable and has room, and for
 * {@code openCore} the input holds at least the tag. A core advances both positions on success and leaves
 * them untouched when it returns -1.
 */
abstract sealed class AeadBase implements Aead permits JcaAead, BcAead, SodiumAead {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Scratch nonce: bytes 0..3 stay zero, 4..11 receive the counter. Owned by this (single-threaded) instance. */
    private final byte[] nonce = new byte[NONCE_SIZE];

    @Override
    public final int seal(AeadKey key, long counter, ByteBuffer in, ByteBuffer out, byte[] ad) {
        LONG_LE.set(nonce, 4, counter);
        return sealWithNonce(key, nonce, in, out, ad);
    }

    @Override
    public final int open(AeadKey key, long counter, ByteBuffer in, ByteBuffer out, byte[] ad) {
        LONG_LE.set(nonce, 4, counter);
        return openWithNonce(key, nonce, in, out, ad);
    }

    /** {@link #seal(AeadKey, long, ByteBuffer, ByteBuffer, byte[])} with an arbitrary 12-byte RFC 8439 nonce. */
    final int sealWithNonce(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        Objects.requireNonNull(key, "key");
        checkNonce(nonce12);
        int len = in.remaining();
        if (out.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (len > Integer.MAX_VALUE - TAG_SIZE || out.remaining() < len + TAG_SIZE) {
            throw new BufferOverflowException();
        }
        return sealCore(key, nonce12, in, out, ad == null ? EMPTY : ad);
    }

    /** {@link #open(AeadKey, long, ByteBuffer, ByteBuffer, byte[])} with an arbitrary 12-byte RFC 8439 nonce. */
    final int openWithNonce(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        Objects.requireNonNull(key, "key");
        checkNonce(nonce12);
        int len = in.remaining();
        if (len < TAG_SIZE) {
            return -1;
        }
        if (out.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (out.remaining() < len - TAG_SIZE) {
            throw new BufferOverflowException();
        }
        return openCore(key, nonce12, in, out, ad == null ? EMPTY : ad);
    }

    @Override
    public final byte[] seal(byte[] key32, long counter, byte[] plaintext, byte[] ad) {
        Objects.requireNonNull(plaintext, "plaintext");
        AeadKey key = AeadKey.of(key32);
        try {
            byte[] out = new byte[plaintext.length + TAG_SIZE];
            seal(key, counter, ByteBuffer.wrap(plaintext), ByteBuffer.wrap(out), ad);
            return out;
        } finally {
            key.destroy();
        }
    }

    @Override
    public final byte[] open(byte[] key32, long counter, byte[] ciphertext, byte[] ad) {
        Objects.requireNonNull(ciphertext, "ciphertext");
        AeadKey key = AeadKey.of(key32);
        try {
            if (ciphertext.length < TAG_SIZE) {
                return null;
            }
            byte[] out = new byte[ciphertext.length - TAG_SIZE];
            int n = open(key, counter, ByteBuffer.wrap(ciphertext), ByteBuffer.wrap(out), ad);
            return n < 0 ? null : out;
        } finally {
            key.destroy();
        }
    }

    @Override
    public String toString() {
        return "Aead(" + provider() + ")";
    }

    /** Encrypts; {@code ad} is never null here. Returns bytes written and advances both positions. */
    abstract int sealCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad);

    /** Verifies and decrypts; {@code ad} is never null here. Returns the plaintext length, or -1 leaving positions alone. */
    abstract int openCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad);

    static final byte[] EMPTY = new byte[0];

    /**
     * A nonce no WireGuard or Noise caller ever uses (its first four bytes are not zero). Initialising a
     * cipher with it makes the JDK and BouncyCastle forget the previous key/nonce pair, see {@link Aead}.
     */
    static final byte[] RESET_NONCE = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0};

    private static void checkNonce(byte[] nonce12) {
        if (nonce12.length != NONCE_SIZE) {
            throw new IllegalArgumentException("nonce must be " + NONCE_SIZE + " bytes, got " + nonce12.length);
        }
    }
}
