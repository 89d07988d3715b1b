package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.junit.jupiter.api.Test;

/** BLAKE2s, keyed BLAKE2s-128, HMAC-BLAKE2s and KDF against RFC 7693 and Python's hashlib/hmac. */
class Blake2sTest {
    private static final List<VectorFile.Block> PYTHON = VectorFile.read("blake2s_python.txt");

    @Test
    void rfc7693AppendixB() {
        VectorFile.Block v = VectorFile.named("blake2s_rfc7693.txt", "rfc7693-appendix-b");
        assertArrayEquals(v.hex("output"), Blake2s.hash(v.hex("input")));
    }

    /** RFC 7693 Appendix E self-test, which exercises keyed hashing and output lengths 16, 20, 28 and 32. */
    @Test
    void rfc7693AppendixESelfTest() {
        VectorFile.Block v = VectorFile.named("blake2s_rfc7693.txt", "rfc7693-appendix-e-selftest");
        Blake2sDigest grand = new Blake2sDigest(256);
        for (int outLen : new int[] {16, 20, 28, 32}) {
            for (int inLen : new int[] {0, 3, 64, 65, 255, 1024}) {
                byte[] in = selftestSequence(inLen, inLen);
                byte[] md = new byte[outLen];
                Blake2sDigest unkeyed = new Blake2sDigest(outLen * 8);
                unkeyed.update(in, 0, in.length);
                unkeyed.doFinal(md, 0);
                grand.update(md, 0, outLen);
                Blake2sDigest keyed = new Blake2sDigest(selftestSequence(outLen, outLen), outLen, null, null);
                keyed.update(in, 0, in.length);
                keyed.doFinal(md, 0);
                grand.update(md, 0, outLen);
            }
        }
        byte[] out = new byte[32];
        grand.doFinal(out, 0);
        assertArrayEquals(v.hex("output"), out);
    }

    /** RFC 7693 Appendix E {@code selftest_seq}: a Fibonacci-like byte generator. */
    private static byte[] selftestSequence(int len, int seed) {
        int a = 0xDEAD4BAD * seed;
        int b = 1;
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            int t = a + b;
            a = b;
            b = t;
            out[i] = (byte) (t >>> 24);
        }
        return out;
    }

    @Test
    void hashMatchesPython() {
        int n = 0;
        for (VectorFile.Block v : PYTHON) {
            if (!v.text("kind").equals("hash")) {
                continue;
            }
            byte[] input = v.hex("input");
            assertArrayEquals(v.hex("output"), Blake2s.hash(input), v.toString());
            // hash(parts...) hashes the concatenation, wherever it is split.
            int cut = input.length / 3;
            assertArrayEquals(v.hex("output"), Blake2s.hash(Arrays.copyOf(input, cut), new byte[0],
                    Arrays.copyOfRange(input, cut, input.length)), v.toString());
            n++;
        }
        assertEquals(12, n);
    }

    @Test
    void macMatchesPython() {
        int n = 0;
        for (VectorFile.Block v : PYTHON) {
            if (!v.text("kind").equals("mac")) {
                continue;
            }
            byte[] key = v.hex("key");
            byte[] input = v.hex("input");
            byte[] expected = v.hex("output");
            assertArrayEquals(expected, Blake2s.mac(key, input), v.toString());
            int half = input.length / 2;
            assertArrayEquals(expected, Blake2s.mac(key, Arrays.copyOf(input, half),
                    Arrays.copyOfRange(input, half, input.length)), v.toString());
            // The in-place form reads a slice and writes at an offset.
            byte[] framed = new byte[input.length + 10];
            System.arraycopy(input, 0, framed, 7, input.length);
            byte[] out = new byte[40];
            Blake2s.mac(key, framed, 7, input.length, out, 5);
            assertArrayEquals(expected, Arrays.copyOfRange(out, 5, 21), v.toString());
            n++;
        }
        assertEquals(12, n);
    }

    @Test
    void hmacMatchesPython() {
        int n = 0;
        for (VectorFile.Block v : PYTHON) {
            if (v.text("kind").equals("hmac")) {
                assertArrayEquals(v.hex("output"), Blake2s.hmac(v.hex("key"), v.hex("input")), v.toString());
                n++;
            }
        }
        assertEquals(16, n);
    }

    @Test
    void kdfMatchesPython() {
        int n = 0;
        for (VectorFile.Block v : PYTHON) {
            if (!v.text("kind").equals("kdf")) {
                continue;
            }
            int count = Integer.parseInt(v.text("n"));
            byte[][] out = Kdf.kdf(count, v.hex("key"), v.hex("input"));
            assertEquals(count, out.length);
            for (int i = 0; i < count; i++) {
                assertArrayEquals(v.hex("out" + (i + 1)), out[i], v + " out" + (i + 1));
            }
            n++;
        }
        assertEquals(9, n);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Blake2s.mac(new byte[0], new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> Blake2s.mac(new byte[33], new byte[1]));
        assertThrows(IndexOutOfBoundsException.class, () -> Blake2s.mac(new byte[16], new byte[4], 2, 3, new byte[16], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Blake2s.mac(new byte[16], new byte[4], 0, 4, new byte[16], 1));
        assertThrows(IllegalArgumentException.class, () -> Kdf.kdf(0, new byte[32], new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Kdf.kdf(4, new byte[32], new byte[0]));
    }
}
