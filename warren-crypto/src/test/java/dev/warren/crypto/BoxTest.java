package dev.warren.crypto;

import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BoxTest {
    private final PrivateKey a = X25519.generatePrivateKey();
    private final PrivateKey b = X25519.generatePrivateKey();
    private final PrivateKey c = X25519.generatePrivateKey();

    @Test
    void bothSidesDeriveTheSameKey() throws Exception {
        byte[] msg = "hello through the relay".getBytes(StandardCharsets.UTF_8);
        byte[] nonce = Box.randomNonce();
        byte[] sealed = Box.precompute(a, X25519.publicKey(b)).seal(nonce, msg);
        assertEquals(msg.length + Box.OVERHEAD, sealed.length);
        assertArrayEquals(msg, Box.precompute(b, X25519.publicKey(a)).open(nonce, sealed));
    }

    @Test
    void aThirdKeyOrATamperedBoxDoesNotOpen() throws Exception {
        byte[] nonce = Box.randomNonce();
        byte[] sealed = Box.precompute(a, X25519.publicKey(b)).seal(nonce, new byte[40]);
        assertNull(Box.precompute(c, X25519.publicKey(a)).open(nonce, sealed), "c is not b");
        assertNull(Box.precompute(b, X25519.publicKey(c)).open(nonce, sealed), "a claimed to be c");
        sealed[3] ^= 1;
        assertNull(Box.precompute(b, X25519.publicKey(a)).open(nonce, sealed));
        byte[] other = Box.randomNonce();
        sealed[3] ^= 1;
        assertNull(Box.precompute(b, X25519.publicKey(a)).open(other, sealed));
        assertNull(Box.precompute(b, X25519.publicKey(a)).open(nonce, new byte[5]), "shorter than a tag");
    }

    @Test
    void boxKeyIsNotTheXAeadOfTheRawSecret() throws Exception {
        // the context constant separates box keys from any other use of the same X25519 secret
        byte[] nonce = Box.randomNonce();
        byte[] raw = X25519.sharedSecret(a, X25519.publicKey(b));
        byte[] sealed = Box.precompute(a, X25519.publicKey(b)).seal(nonce, new byte[8]);
        assertNull(XAead.open(raw, nonce, sealed, null));
    }

    @Test
    void smallOrderPublicKeyRefused() {
        assertThrows(InvalidKeyException.class, () -> Box.precompute(a, PublicKey.of(new byte[32])));
    }
}
