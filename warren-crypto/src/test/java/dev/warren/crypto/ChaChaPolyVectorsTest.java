package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 8439 §2.8.2 and Appendix A.5 for every available provider, through each entry point. */
class ChaChaPolyVectorsTest {
    private static final String FILE = "chacha20poly1305_rfc8439.txt";

    static Iterable<String> providers() {
        return Providers.available();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void section282WithExplicitNonce(String provider) {
        VectorFile.Block v = VectorFile.named(FILE, "rfc8439-2.8.2");
        AeadBase aead = Providers.create(provider);
        AeadKey key = AeadKey.of(v.hex("key"));
        byte[] pt = v.hex("plaintext");
        byte[] expected = concat(v.hex("ciphertext"), v.hex("tag"));
        ByteBuffer out = ByteBuffer.allocate(expected.length);
        assertEquals(expected.length, aead.sealWithNonce(key, v.hex("nonce"), ByteBuffer.wrap(pt), out, v.hex("aad")));
        assertArrayEquals(expected, out.array());
        ByteBuffer back = ByteBuffer.allocateDirect(pt.length);
        assertEquals(pt.length, aead.openWithNonce(key, v.hex("nonce"), ByteBuffer.wrap(expected), back, v.hex("aad")));
        assertArrayEquals(pt, bytes(back.flip()));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void appendixA5ThroughTheCounterApi(String provider) {
        VectorFile.Block v = VectorFile.named(FILE, "rfc8439-A.5");
        Aead aead = Aead.create(provider);
        long counter = Long.parseUnsignedLong(v.text("counter"), 16);
        byte[] pt = v.hex("plaintext");
        byte[] sealed = concat(v.hex("ciphertext"), v.hex("tag"));

        assertArrayEquals(pt, aead.open(v.hex("key"), counter, sealed, v.hex("aad")));
        assertArrayEquals(sealed, aead.seal(v.hex("key"), counter, pt, v.hex("aad")));

        // In place in a direct buffer with headroom, as the data plane does it.
        ByteBuffer packet = ByteBuffer.allocateDirect(16 + sealed.length);
        packet.position(16).put(sealed).flip().position(16);
        ByteBuffer out = packet.duplicate();
        assertEquals(pt.length, aead.open(AeadKey.of(v.hex("key")), counter, packet, out, v.hex("aad")));
        assertEquals(packet.limit(), packet.position());
        assertEquals(16 + pt.length, out.position());
        assertArrayEquals(pt, bytes(out.flip().position(16)));

        // Wrong counter, wrong AAD, flipped tag: all rejected.
        assertNull(aead.open(v.hex("key"), counter + 1, sealed, v.hex("aad")));
        assertNull(aead.open(v.hex("key"), counter, sealed, null));
        byte[] bad = sealed.clone();
        bad[bad.length - 1] ^= 1;
        assertNull(aead.open(v.hex("key"), counter, bad, v.hex("aad")));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] r = new byte[b.remaining()];
        b.duplicate().get(r);
        return r;
    }
}
