package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Provider selection and the buffer contract shared by every provider. */
class AeadProvidersTest {
    static Iterable<String> providers() {
        return Providers.available();
    }

    @Test
    void createByNameAndProperty() {
        assertEquals("jca", Aead.create("jca").provider());
        assertEquals("bc", Aead.create(" BC ").provider());
        String old = System.getProperty(Aead.PROVIDER_PROPERTY);
        try {
            System.clearProperty(Aead.PROVIDER_PROPERTY);
            // the default is "auto": libsodium where it loads, the JDK otherwise
            String expected = Aead.isAvailable("sodium") ? "sodium" : "jca";
            assertEquals(expected, Aead.create().provider());
            assertEquals(expected, Aead.autoProvider());
            assertEquals(expected, Aead.create("auto").provider());
            System.setProperty(Aead.PROVIDER_PROPERTY, "bc");
            assertEquals("bc", Aead.create().provider());
            System.setProperty(Aead.PROVIDER_PROPERTY, "rot13");
            IllegalStateException e = assertThrows(IllegalStateException.class, Aead::create);
            assertTrue(e.getMessage().contains("rot13"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Aead.PROVIDER_PROPERTY);
            } else {
                System.setProperty(Aead.PROVIDER_PROPERTY, old);
            }
        }
    }

    @Test
    void sodiumIsEitherUsableOrNamedAsUnavailable() {
        try {
            Aead a = Aead.create("sodium");
            assertEquals("sodium", a.provider());
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("sodium"), e.getMessage());
        }
    }

    /** The JDK and BouncyCastle refuse a repeated encryption under one key and nonce; the contract does not. */
    @ParameterizedTest
    @MethodSource("providers")
    void repeatedDeterministicSealsAndInterleavedOpensWork(String provider) {
        Aead a = Aead.create(provider);
        byte[] key = new byte[32];
        byte[] first = a.seal(key, 0, new byte[] {1, 2, 3}, null);
        assertArrayEquals(first, a.seal(key, 0, new byte[] {1, 2, 3}, null));
        assertArrayEquals(new byte[] {1, 2, 3}, a.open(key, 0, first, null));
        assertArrayEquals(first, a.seal(key, 0, new byte[] {1, 2, 3}, null));
        AeadKey k = AeadKey.of(key);
        ByteBuffer out = ByteBuffer.allocate(19);
        a.seal(k, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), out, null);
        assertArrayEquals(first, out.array());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void bufferContract(String provider) {
        Aead a = Aead.create(provider);
        AeadKey k = AeadKey.of(new byte[32]);
        ByteBuffer in = ByteBuffer.allocate(10);
        assertThrows(BufferOverflowException.class, () -> a.seal(k, 1, in, ByteBuffer.allocate(25), null));
        assertEquals(0, in.position(), "nothing moves when out is too small");
        assertThrows(ReadOnlyBufferException.class, () -> a.seal(k, 1, in, ByteBuffer.allocate(26).asReadOnlyBuffer(), null));
        assertEquals(-1, a.open(k, 1, ByteBuffer.allocate(15), ByteBuffer.allocate(100), null), "shorter than the tag");
        assertNull(a.open(new byte[32], 1, new byte[15], null));
        assertNull(a.open(new byte[32], 1, new byte[0], null));

        // Empty plaintext: the message is just the tag.
        byte[] tagOnly = a.seal(new byte[32], 5, new byte[0], new byte[] {9});
        assertEquals(16, tagOnly.length);
        assertArrayEquals(new byte[0], a.open(new byte[32], 5, tagOnly, new byte[] {9}));
        // Null and empty associated data are the same thing.
        assertArrayEquals(a.seal(new byte[32], 5, new byte[7], null), a.seal(new byte[32], 5, new byte[7], new byte[0]));
        // The counter is unsigned 64-bit: -1 is 2^64-1 and differs from 0.
        byte[] max = a.seal(new byte[32], -1L, new byte[7], null);
        assertNull(a.open(new byte[32], 0, max, null));
        assertArrayEquals(new byte[7], a.open(new byte[32], -1L, max, null));
    }

    @Test
    void keysValidateAndDestroy() {
        assertThrows(IllegalArgumentException.class, () -> AeadKey.of(new byte[31]));
        AeadKey k = AeadKey.of(new byte[32]);
        assertEquals("AeadKey(redacted)", k.toString());
        k.destroy();
        assertTrue(k.isDestroyed());
        for (String p : Providers.available()) {
            Aead a = Aead.create(p);
            assertThrows(IllegalStateException.class,
                    () -> a.seal(k, 0, ByteBuffer.allocate(1), ByteBuffer.allocate(17), null), p);
        }
    }
}
