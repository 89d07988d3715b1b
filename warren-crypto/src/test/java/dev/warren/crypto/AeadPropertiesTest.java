package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.WithNull;

/**
 * Properties every {@link Aead} provider must have, and must have identically: round trip, byte-for-byte
 * agreement, tamper detection, and in-place operation equal to out-of-place (heap and direct).
 * The sodium provider takes part only when libsodium loads.
 */
class AeadPropertiesTest {
    /** One instance per provider; jqwik runs tries on one thread, and instances are reused like on the data plane. */
    private static final Map<String, Aead> INSTANCES = new HashMap<>();

    private static Aead aead(String provider) {
        return INSTANCES.computeIfAbsent(provider, Aead::create);
    }

    @Provide
    Arbitrary<String> providers() {
        return Arbitraries.of(Providers.available());
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32);
    }

    @Property(tries = 300)
    void sealThenOpenRoundTrips(@ForAll("providers") String provider, @ForAll("keys") byte[] key, @ForAll long counter,
            @ForAll @Size(max = 1600) byte[] plaintext, @ForAll @WithNull @Size(max = 64) byte[] ad) {
        Aead a = aead(provider);
        byte[] sealed = a.seal(key, counter, plaintext, ad);
        assertEquals(plaintext.length + Aead.TAG_SIZE, sealed.length);
        assertArrayEquals(plaintext, a.open(key, counter, sealed, ad));
    }

    @Property(tries = 300)
    void providersAgreeByteForByte(@ForAll("keys") byte[] key, @ForAll long counter,
            @ForAll @Size(max = 1600) byte[] plaintext, @ForAll @WithNull @Size(max = 64) byte[] ad) {
        byte[] reference = aead(Aead.JCA).seal(key, counter, plaintext, ad);
        for (String provider : Providers.available()) {
            assertArrayEquals(reference, aead(provider).seal(key, counter, plaintext, ad), provider + " seal");
            assertArrayEquals(plaintext, aead(provider).open(key, counter, reference, ad), provider + " open");
        }
    }

    @Property(tries = 300)
    void tamperingWithAnyByteMakesOpenFail(@ForAll("providers") String provider, @ForAll("keys") byte[] key,
            @ForAll long counter, @ForAll @Size(max = 300) byte[] plaintext, @ForAll @Size(min = 1, max = 32) byte[] ad,
            @ForAll @IntRange(min = 0, max = 100_000) int where, @ForAll @IntRange(min = 1, max = 255) int flip,
            @ForAll boolean inAd) {
        Aead a = aead(provider);
        byte[] sealed = a.seal(key, counter, plaintext, ad);
        if (inAd) {
            byte[] badAd = ad.clone();
            badAd[where % badAd.length] ^= (byte) flip;
            assertNull(a.open(key, counter, sealed, badAd));
        } else {
            byte[] bad = sealed.clone();
            bad[where % bad.length] ^= (byte) flip;
            assertNull(a.open(key, counter, bad, ad));
            ByteBuffer in = ByteBuffer.wrap(bad);
            ByteBuffer out = ByteBuffer.allocate(bad.length);
            assertEquals(-1, a.open(AeadKey.of(key), counter, in, out, ad));
            assertEquals(0, in.position(), "positions do not move on failure");
            assertEquals(0, out.position(), "positions do not move on failure");
        }
        assertNotNull(a.open(key, counter, sealed, ad));
    }

    @Property(tries = 200)
    void inPlaceEqualsOutOfPlace(@ForAll("providers") String provider, @ForAll("keys") byte[] key, @ForAll long counter,
            @ForAll @Size(max = 1600) byte[] plaintext, @ForAll @WithNull @Size(max = 32) byte[] ad,
            @ForAll @IntRange(max = 64) int headroom, @ForAll boolean direct) {
        Aead a = aead(provider);
        AeadKey k = AeadKey.of(key);
        byte[] expected = a.seal(key, counter, plaintext, ad);

        // In place: one region, two views at the same position.
        ByteBuffer region = direct ? ByteBuffer.allocateDirect(headroom + expected.length + 7)
                : ByteBuffer.allocate(headroom + expected.length + 7);
        region.position(headroom).put(plaintext);
        ByteBuffer in = region.duplicate().limit(headroom + plaintext.length).position(headroom);
        ByteBuffer out = region.duplicate().position(headroom);
        assertEquals(expected.length, a.seal(k, counter, in, out, ad));
        assertEquals(headroom + plaintext.length, in.position());
        assertEquals(headroom + expected.length, out.position());
        assertArrayEquals(expected, ChaChaPolyVectorsTest.bytes(region.duplicate().limit(out.position()).position(headroom)));

        in = region.duplicate().limit(headroom + expected.length).position(headroom);
        out = region.duplicate().position(headroom);
        assertEquals(plaintext.length, a.open(k, counter, in, out, ad));
        assertEquals(headroom + plaintext.length, out.position());
        assertArrayEquals(plaintext, ChaChaPolyVectorsTest.bytes(region.duplicate().limit(out.position()).position(headroom)));

        // Out of place across kinds: heap -> direct and direct -> heap.
        ByteBuffer src = ByteBuffer.allocateDirect(plaintext.length).put(plaintext).flip();
        ByteBuffer dst = ByteBuffer.allocate(expected.length);
        a.seal(k, counter, src, dst, ad);
        assertArrayEquals(expected, dst.array());
        ByteBuffer back = ByteBuffer.allocateDirect(plaintext.length);
        assertEquals(plaintext.length, a.open(k, counter, dst.flip(), back, ad));
        assertArrayEquals(plaintext, ChaChaPolyVectorsTest.bytes(back.flip()));

        // A read-only input is accepted.
        ByteBuffer ro = ByteBuffer.wrap(expected).asReadOnlyBuffer();
        ByteBuffer plain = ByteBuffer.allocate(plaintext.length);
        assertEquals(plaintext.length, a.open(k, counter, ro, plain, ad));
        assertArrayEquals(plaintext, plain.array());
    }
}
