package dev.warren.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchProviderException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;

/**
 * The JDK's SunJCE {@code ChaCha20-Poly1305}. One {@link Cipher} for sealing and another for opening are
 * reused and re-initialised per packet; {@code Cipher.init} itself allocates (a Poly1305 state and key
 * stream scratch, about 2.2 KB) and costs about half of a 1420-byte packet (JAVA-NOTES §1) — inside the JDK,
 * out of reach. The only allocation made here per packet is the {@link IvParameterSpec} the API demands.
 * Heap buffers are processed in their backing arrays; direct (or read-only) buffers are staged through a
 * scratch array owned by this instance, because {@code Cipher.doFinal(ByteBuffer, ByteBuffer)} would
 * allocate two temporary arrays per call for them (measured: 3.7 KB instead of 2.2 KB per packet, and no
 * faster).
 *
 * <p>SunJCE verifies the tag before it writes any plaintext, and refuses to initialise for encryption
 * with the key and nonce of the cipher's previous initialisation (in either mode); {@link #init} turns
 * that refusal into a reset and retry, as {@link Aead} documents.
 */
final class JcaAead extends AeadBase {
    private static final String ALGORITHM = "ChaCha20-Poly1305";

    private final Cipher sealCipher = newCipher();
    private final Cipher openCipher = newCipher();
    /** Staging for direct or read-only buffers; grows to the largest packet seen. */
    private byte[] scratch = new byte[2048];

    @Override
    public String provider() {
        return JCA;
    }

    @Override
    int sealCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        init(sealCipher, Cipher.ENCRYPT_MODE, key.jcaKey(), nonce12);
        int len = in.remaining();
        int written;
        try {
            if (ad.length > 0) {
                sealCipher.updateAAD(ad);
            }
            if (in.hasArray() && out.hasArray()) {
                written = sealCipher.doFinal(in.array(), in.arrayOffset() + in.position(), len,
                        out.array(), out.arrayOffset() + out.position());
            } else {
                byte[] s = scratch(len + TAG_SIZE);
                in.get(in.position(), s, 0, len);
                written = sealCipher.doFinal(s, 0, len, s, 0);
                out.put(out.position(), s, 0, written);
            }
        } catch (GeneralSecurityException e) {
            // Sizes were checked by AeadBase; encryption has no other failure mode.
            throw new IllegalStateException("SunJCE ChaCha20-Poly1305 encryption failed", e);
        }
        in.position(in.limit());
        out.position(out.position() + written);
        return written;
    }

    @Override
    int openCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        init(openCipher, Cipher.DECRYPT_MODE, key.jcaKey(), nonce12);
        int len = in.remaining();
        int plainLen;
        try {
            if (ad.length > 0) {
                openCipher.updateAAD(ad);
            }
            if (in.hasArray() && out.hasArray()) {
                plainLen = openCipher.doFinal(in.array(), in.arrayOffset() + in.position(), len,
                        out.array(), out.arrayOffset() + out.position());
            } else {
                byte[] s = scratch(len);
                in.get(in.position(), s, 0, len);
                plainLen = openCipher.doFinal(s, 0, len, s, 0);
                out.put(out.position(), s, 0, plainLen);
            }
        } catch (AEADBadTagException e) {
            return -1;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SunJCE ChaCha20-Poly1305 decryption failed", e);
        }
        in.position(in.limit());
        out.position(out.position() + plainLen);
        return plainLen;
    }

    private byte[] scratch(int size) {
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, scratch.length * 2)];
        }
        return scratch;
    }

    private static void init(Cipher cipher, int mode, SecretKey key, byte[] nonce12) {
        IvParameterSpec iv = new IvParameterSpec(nonce12);
        try {
            cipher.init(mode, key, iv);
        } catch (InvalidKeyException repeated) {
            // "Matching key and nonce from previous initialization": forget the previous pair, then retry.
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(RESET_NONCE));
                cipher.init(mode, key, iv);
            } catch (GeneralSecurityException e) {
                e.addSuppressed(repeated);
                throw new IllegalStateException("SunJCE rejected a 32-byte ChaCha20-Poly1305 key", e);
            }
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("SunJCE rejected a 12-byte ChaCha20-Poly1305 nonce", e);
        }
    }

    private static Cipher newCipher() {
        try {
            try {
                return Cipher.getInstance(ALGORITHM, "SunJCE");
            } catch (NoSuchProviderException e) {
                return Cipher.getInstance(ALGORITHM);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AEAD provider 'jca' is unavailable: this JDK has no " + ALGORITHM, e);
        }
    }
}
