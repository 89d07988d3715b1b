package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

/** The Noise symmetric state's rules that the vectors exercise only indirectly. */
class SymmetricStateTest {
    @Test
    void shortNamesArePaddedLongNamesHashed() {
        String shortName = "Noise_NN_25519_ChaChaPoly_SHA256"; // exactly 32 bytes
        assertEquals(32, shortName.length());
        assertArrayEquals(shortName.getBytes(StandardCharsets.US_ASCII), new SymmetricState(shortName).handshakeHash());
        assertArrayEquals(Arrays.copyOf("Noise_X".getBytes(StandardCharsets.US_ASCII), 32), new SymmetricState("Noise_X").chainingKey());
        String longName = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
        SymmetricState s = new SymmetricState(longName);
        assertArrayEquals(Blake2s.hash(longName.getBytes(StandardCharsets.US_ASCII)), s.handshakeHash());
        assertArrayEquals(s.handshakeHash(), s.chainingKey());
    }

    @Test
    void withoutAKeyPayloadsAreHashedInTheClear() throws Exception {
        SymmetricState s = new SymmetricState("Noise_NN_25519_ChaChaPoly_BLAKE2s");
        byte[] h0 = s.handshakeHash();
        byte[] payload = {1, 2, 3};
        assertArrayEquals(payload, s.encryptAndHash(payload));
        assertArrayEquals(Blake2s.hash(h0, payload), s.handshakeHash());
        assertFalse(s.hasKey());
        SymmetricState r = new SymmetricState("Noise_NN_25519_ChaChaPoly_BLAKE2s");
        assertArrayEquals(payload, r.decryptAndHash(payload));
        assertArrayEquals(s.handshakeHash(), r.handshakeHash());
    }

    @Test
    void failedDecryptionChangesNothing() throws Exception {
        SymmetricState a = new SymmetricState("Noise_IK_25519_ChaChaPoly_BLAKE2s");
        SymmetricState b = new SymmetricState("Noise_IK_25519_ChaChaPoly_BLAKE2s", Aead.create("bc"));
        a.mixKey(new byte[32]);
        b.mixKey(new byte[32]);
        assertTrue(a.hasKey());
        byte[] ct = a.encryptAndHash(new byte[] {7, 7});
        byte[] bad = ct.clone();
        bad[0] ^= 1;
        byte[] h = b.handshakeHash();
        byte[] ck = b.chainingKey();
        assertThrows(AEADBadTagException.class, () -> b.decryptAndHash(bad));
        assertThrows(AEADBadTagException.class, () -> b.decryptAndHash(new byte[3]));
        assertArrayEquals(h, b.handshakeHash());
        assertArrayEquals(ck, b.chainingKey());
        assertArrayEquals(new byte[] {7, 7}, b.decryptAndHash(ct)); // nonce 0 still unused
        assertArrayEquals(a.handshakeHash(), b.handshakeHash());
        // Second message uses nonce 1 on both sides.
        assertArrayEquals(new byte[] {9}, b.decryptAndHash(a.encryptAndHash(new byte[] {9})));
        byte[][] sa = a.split();
        byte[][] sb = b.split();
        assertArrayEquals(sa[0], sb[0]);
        assertArrayEquals(sa[1], sb[1]);
    }

    @Test
    void mixKeyAndHashDerivesThreeOutputs() {
        SymmetricState s = new SymmetricState("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s");
        byte[] ck = s.chainingKey();
        byte[] h = s.handshakeHash();
        byte[] psk = new byte[32];
        Arrays.fill(psk, (byte) 0x42);
        s.mixKeyAndHash(psk);
        byte[][] k = Kdf.kdf(3, ck, psk);
        assertArrayEquals(k[0], s.chainingKey());
        assertArrayEquals(Blake2s.hash(h, k[1]), s.handshakeHash());
        assertTrue(s.hasKey());
    }
}
