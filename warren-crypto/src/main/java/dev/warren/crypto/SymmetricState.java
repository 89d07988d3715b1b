package dev.warren.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * The Noise symmetric state (Noise specification revision 34, §5.1–§5.2) for the suite
 * {@code 25519_ChaChaPoly_BLAKE2s}: a chaining key {@code ck}, a handshake hash {@code h}, and the embedded
 * cipher state {@code (k, n)}. HASH is {@link Blake2s#hash}, HKDF is {@link Kdf}, and ENCRYPT is
 * ChaCha20-Poly1305 with the nonce {@code 00000000 || LE64(n)} through {@link Aead}.
 *
 * <p>Invariants: {@code ck} and {@code h} are always 32 bytes; {@code k} is null until the first
 * {@link #mixKey}/{@link #mixKeyAndHash}; {@code n} counts encryptions and decryptions under the current
 * {@code k} and never reaches the reserved value 2^64-1.
 *
 * <p>Not thread-safe; a handshake owns one. {@link #decryptAndHash} throws {@link AEADBadTagException} on
 * failure and then leaves the state exactly as it was.
 */
public final class SymmetricState {
    private final Aead aead;
    private byte[] ck;
    private byte[] h;
    private byte[] k;          // null = no key yet ("empty")
    private long n;            // unsigned

    /** InitializeSymmetric(protocolName) with a new instance of the configured {@link Aead} provider. */
    public SymmetricState(String protocolName) {
        this(protocolName, Aead.create());
    }

    /**
     * InitializeSymmetric(protocolName): {@code h} is the name zero-padded to 32 bytes when it fits,
     * otherwise HASH(name); {@code ck = h}; no cipher key.
     *
     * @param aead the cipher to use; confined to the thread that uses this state
     */
    public SymmetricState(String protocolName, Aead aead) {
        Objects.requireNonNull(protocolName, "protocolName");
        this.aead = Objects.requireNonNull(aead, "aead");
        byte[] name = protocolName.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0) {
            throw new IllegalArgumentException("protocol name is empty");
        }
        this.h = name.length <= Blake2s.HASH_SIZE ? Arrays.copyOf(name, Blake2s.HASH_SIZE) : Blake2s.hash(name);
        this.ck = h.clone();
    }

    private SymmetricState(SymmetricState other) {
        this.aead = other.aead;
        this.ck = other.ck.clone();
        this.h = other.h.clone();
        this.k = other.k == null ? null : other.k.clone();
        this.n = other.n;
    }

    /** MixHash: {@code h = HASH(h || data)}. */
    public void mixHash(byte[] data) {
        Objects.requireNonNull(data, "data");
        h = Blake2s.hash(h, data);
    }

    /** MixKey: {@code ck, k = HKDF(ck, ikm, 2)}; {@code n = 0}. */
    public void mixKey(byte[] ikm) {
        byte[][] out = Kdf.kdf(2, ck, Objects.requireNonNull(ikm, "ikm"));
        replaceChainingKey(out[0]);
        setKey(out[1]);
    }

    /** MixKeyAndHash (used for {@code psk} tokens): {@code ck, t, k = HKDF(ck, ikm, 3)}; MixHash(t); {@code n = 0}. */
    public void mixKeyAndHash(byte[] ikm) {
        byte[][] out = Kdf.kdf(3, ck, Objects.requireNonNull(ikm, "ikm"));
        replaceChainingKey(out[0]);
        mixHash(out[1]);
        setKey(out[2]);
    }

    /**
     * EncryptAndHash: encrypts under {@code (k, n)} with {@code h} as associated data (or returns a copy of
     * the plaintext while there is no key), then mixes the ciphertext into {@code h}.
     */
    public byte[] encryptAndHash(byte[] plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] ciphertext;
        if (k == null) {
            ciphertext = plaintext.clone();
        } else {
            checkNonce();
            ciphertext = aead.seal(k, n, plaintext, h);
            n++;
        }
        mixHash(ciphertext);
        return ciphertext;
    }

    /**
     * DecryptAndHash: the inverse of {@link #encryptAndHash}.
     *
     * @throws AEADBadTagException when authentication fails (or the input is shorter than the tag); the
     *     state is then unchanged
     */
    public byte[] decryptAndHash(byte[] ciphertext) throws AEADBadTagException {
        Objects.requireNonNull(ciphertext, "ciphertext");
        byte[] plaintext;
        if (k == null) {
            plaintext = ciphertext.clone();
        } else {
            checkNonce();
            plaintext = aead.open(k, n, ciphertext, h);
            if (plaintext == null) {
                throw new AEADBadTagException("Noise handshake message failed authentication");
            }
            n++;
        }
        mixHash(ciphertext);
        return plaintext;
    }

    /** Split: {@code HKDF(ck, empty, 2)}, the initiator's sending key first. The state itself is unchanged. */
    public byte[][] split() {
        return Kdf.kdf(2, ck, AeadBase.EMPTY);
    }

    /** A copy of {@code h}, the handshake hash (a channel binding once the handshake is complete). */
    public byte[] handshakeHash() {
        return h.clone();
    }

    /** A copy of the chaining key {@code ck}. */
    public byte[] chainingKey() {
        return ck.clone();
    }

    /** True once a cipher key has been mixed in. */
    public boolean hasKey() {
        return k != null;
    }

    /** Zeroes {@code ck}, {@code h} and {@code k}; the state must not be used afterwards. */
    public void destroy() {
        Arrays.fill(ck, (byte) 0);
        Arrays.fill(h, (byte) 0);
        if (k != null) {
            Arrays.fill(k, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "SymmetricState(" + aead.provider() + ", hasKey=" + (k != null) + ", n=" + Long.toUnsignedString(n) + ")";
    }

    /** An independent deep copy sharing only the {@link Aead}; lets a handshake step commit atomically. */
    SymmetricState copy() {
        return new SymmetricState(this);
    }

    private void replaceChainingKey(byte[] next) {
        Arrays.fill(ck, (byte) 0);
        ck = next;
    }

    private void setKey(byte[] next) {
        if (k != null) {
            Arrays.fill(k, (byte) 0);
        }
        k = next;
        n = 0;
    }

    private void checkNonce() {
        if (n == -1L) {
            throw new IllegalStateException("Noise nonce exhausted (2^64-1 is reserved)");
        }
    }
}
