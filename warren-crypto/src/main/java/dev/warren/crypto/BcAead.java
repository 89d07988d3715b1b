package dev.warren.crypto;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * BouncyCastle's lightweight {@link ChaCha20Poly1305}: pure Java, no intrinsics, the portable fallback.
 *
 * <p>Heap buffers are processed in their backing arrays (in place when both views share one array);
 * direct or read-only buffers go through a scratch array owned by this instance that grows to the
 * largest packet seen, so the steady state allocates only what BouncyCastle allocates per {@code init}.
 *
 * <p>BouncyCastle decrypts while it authenticates and reports a bad tag only at the end, so a failed open
 * zeroes whatever plaintext it already wrote to the caller's buffer.
 */
final class BcAead extends AeadBase {
    private static final int INITIAL_SCRATCH = 2048;

    private final ChaCha20Poly1305 cipher = new ChaCha20Poly1305();
    private byte[] scratch = new byte[INITIAL_SCRATCH];

    @Override
    public String provider() {
        return BC;
    }

    @Override
    int sealCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        init(true, key.bcKey(), nonce12);
        cipher.processAADBytes(ad, 0, ad.length);
        int len = in.remaining();
        int written;
        try {
            if (heapWritable(in) && heapWritable(out)) {
                byte[] oa = out.array();
                int oo = out.arrayOffset() + out.position();
                written = cipher.processBytes(in.array(), in.arrayOffset() + in.position(), len, oa, oo);
                written += cipher.doFinal(oa, oo + written);
            } else {
                byte[] s = scratch(len + TAG_SIZE);
                in.get(in.position(), s, 0, len);
                written = cipher.processBytes(s, 0, len, s, 0);
                written += cipher.doFinal(s, written);
                out.put(out.position(), s, 0, written);
            }
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("BouncyCastle ChaCha20-Poly1305 encryption failed", e);
        }
        in.position(in.limit());
        out.position(out.position() + written);
        return written;
    }

    @Override
    int openCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        init(false, key.bcKey(), nonce12);
        cipher.processAADBytes(ad, 0, ad.length);
        int len = in.remaining();
        int plainLen = len - TAG_SIZE;
        if (heapWritable(in) && heapWritable(out)) {
            byte[] oa = out.array();
            int oo = out.arrayOffset() + out.position();
            try {
                int n = cipher.processBytes(in.array(), in.arrayOffset() + in.position(), len, oa, oo);
                cipher.doFinal(oa, oo + n);
            } catch (InvalidCipherTextException e) {
                Arrays.fill(oa, oo, oo + plainLen, (byte) 0);
                return -1;
            }
        } else {
            byte[] s = scratch(len);
            in.get(in.position(), s, 0, len);
            try {
                int n = cipher.processBytes(s, 0, len, s, 0);
                cipher.doFinal(s, n);
            } catch (InvalidCipherTextException e) {
                Arrays.fill(s, 0, len, (byte) 0);
                return -1;
            }
            out.put(out.position(), s, 0, plainLen);
            Arrays.fill(s, 0, plainLen, (byte) 0);
        }
        in.position(in.limit());
        out.position(out.position() + plainLen);
        return plainLen;
    }

    private void init(boolean encrypt, KeyParameter key, byte[] nonce12) {
        try {
            cipher.init(encrypt, new ParametersWithIV(key, nonce12));
        } catch (IllegalArgumentException repeated) {
            // "cannot reuse nonce for ChaCha20Poly1305 encryption": forget the previous pair, then retry.
            cipher.init(false, new ParametersWithIV(key, RESET_NONCE));
            cipher.init(encrypt, new ParametersWithIV(key, nonce12));
        }
    }

    private byte[] scratch(int size) {
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, scratch.length * 2)];
        }
        return scratch;
    }

    private static boolean heapWritable(ByteBuffer b) {
        return b.hasArray();
    }
}
