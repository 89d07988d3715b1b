package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** HChaCha20 and XChaCha20-Poly1305 against draft-irtf-cfrg-xchacha. */
class XAeadTest {
    private static final String FILE = "xchacha20poly1305_draft.txt";

    static Iterable<String> providers() {
        return Providers.available();
    }

    @Test
    void hChaCha20KnownAnswer() {
        VectorFile.Block v = VectorFile.named(FILE, "hchacha20-2.2.1");
        assertArrayEquals(v.hex("subkey"), XAead.hChaCha20(v.hex("key"), v.hex("nonce")));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void xChaCha20Poly1305KnownAnswer(String provider) {
        VectorFile.Block v = VectorFile.named(FILE, "xchacha20poly1305-A.3.1");
        Aead aead = Aead.create(provider);
        byte[] sealed = ChaChaPolyVectorsTest.concat(v.hex("ciphertext"), v.hex("tag"));
        assertArrayEquals(sealed, XAead.seal(aead, v.hex("key"), v.hex("nonce"), v.hex("plaintext"), v.hex("aad")));
        assertArrayEquals(v.hex("plaintext"), XAead.open(aead, v.hex("key"), v.hex("nonce"), sealed, v.hex("aad")));
        byte[] bad = sealed.clone();
        bad[3] ^= 0x10;
        assertNull(XAead.open(aead, v.hex("key"), v.hex("nonce"), bad, v.hex("aad")));
    }

    @Test
    void staticFormsRoundTripLikeCookieReplies() {
        SplittableRandom rnd = new SplittableRandom(3);
        byte[] key = new byte[32];
        byte[] nonce = new byte[24];
        byte[] cookie = new byte[16];
        byte[] mac1 = new byte[16];
        rnd.nextBytes(key);
        rnd.nextBytes(nonce);
        rnd.nextBytes(cookie);
        rnd.nextBytes(mac1);
        byte[] sealed = XAead.seal(key, nonce, cookie, mac1);
        assertArrayEquals(cookie, XAead.open(key, nonce, sealed, mac1));
        nonce[23] ^= 1;
        assertNull(XAead.open(key, nonce, sealed, mac1));
        assertNull(XAead.open(key, nonce, new byte[15], mac1));
    }

    @Test
    void rejectsWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> XAead.hChaCha20(new byte[31], new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> XAead.hChaCha20(new byte[32], new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> XAead.seal(new byte[32], new byte[12], new byte[1], null));
    }
}
