package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import java.security.InvalidKeyException;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** X25519 against RFC 7748 §5.2 and §6.1, plus clamping and small-order rejection. */
class X25519Test {
    private static final String FILE = "x25519_rfc7748.txt";

    @Test
    void scalarMultiplicationVectors() throws InvalidKeyException {
        for (String name : new String[] {"rfc7748-5.2-1", "rfc7748-5.2-2"}) {
            VectorFile.Block v = VectorFile.named(FILE, name);
            byte[] out = X25519.sharedSecret(PrivateKey.of(v.hex("scalar")), PublicKey.of(v.hex("u")));
            assertArrayEquals(v.hex("output"), out, name);
        }
    }

    @Test
    void iteratedOneAndOneThousandTimes() throws InvalidKeyException {
        VectorFile.Block v = VectorFile.named(FILE, "rfc7748-5.2-iterations");
        byte[] k = v.hex("start");
        byte[] u = v.hex("start");
        for (int i = 1; i <= 1000; i++) {
            byte[] next = X25519.sharedSecret(PrivateKey.of(k), PublicKey.of(u));
            u = k;
            k = next;
            if (i == 1) {
                assertArrayEquals(v.hex("after1"), k);
            }
        }
        assertArrayEquals(v.hex("after1000"), k);
    }

    @Test
    void diffieHellman() throws InvalidKeyException {
        VectorFile.Block v = VectorFile.named(FILE, "rfc7748-6.1");
        PrivateKey alice = PrivateKey.of(v.hex("alice_private"));
        PrivateKey bob = PrivateKey.of(v.hex("bob_private"));
        assertEquals(PublicKey.of(v.hex("alice_public")), X25519.publicKey(alice));
        assertEquals(PublicKey.of(v.hex("bob_public")), X25519.publicKey(bob));
        assertArrayEquals(v.hex("shared"), X25519.sharedSecret(alice, X25519.publicKey(bob)));
        assertArrayEquals(v.hex("shared"), X25519.sharedSecret(bob, X25519.publicKey(alice)));
    }

    @Test
    void generatedKeysAreClampedAndDeterministicForASeed() {
        for (int seed = 0; seed < 50; seed++) {
            PrivateKey k = X25519.generatePrivateKey(new SplittableRandom(seed));
            assertEquals(0, k.byteAt(0) & 7, "low three bits cleared");
            assertEquals(0x40, k.byteAt(31) & 0xc0, "bit 255 clear, bit 254 set");
            assertEquals(k, X25519.generatePrivateKey(new SplittableRandom(seed)));
        }
        assertNotEquals(X25519.generatePrivateKey(), X25519.generatePrivateKey());
    }

    @Test
    void smallOrderPointsAreRejected() {
        PrivateKey k = X25519.generatePrivateKey(new SplittableRandom(7));
        byte[][] lowOrder = {
            new byte[32], // 0
            VectorFile.hex("0100000000000000000000000000000000000000000000000000000000000000"), // 1
            VectorFile.hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), // order 8
            VectorFile.hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p - 1
        };
        for (byte[] u : lowOrder) {
            assertThrows(InvalidKeyException.class, () -> X25519.sharedSecret(k, PublicKey.of(u)), VectorFile.hex(u));
        }
    }

    /** The ladder on u = 9 that publicKey uses gives what BouncyCastle's fixed-base multiplication gives. */
    @Property(tries = 300)
    void publicKeyMatchesTheFixedBaseMultiplication(@ForAll @Size(32) byte[] scalar) {
        byte[] expected = new byte[32];
        org.bouncycastle.math.ec.rfc7748.X25519.scalarMultBase(scalar, 0, expected, 0);
        assertArrayEquals(expected, X25519.publicKey(PrivateKey.of(scalar)).toBytes());
    }
}
