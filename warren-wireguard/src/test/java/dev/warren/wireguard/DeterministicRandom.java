package dev.warren.wireguard;

import dev.warren.crypto.Blake2s;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * A reproducible random generator whose output is fully specified, so that a vector file can name it and any
 * implementation can regenerate the same bytes: the stream is
 * {@code BLAKE2s-256(seed || u64le(0)) || BLAKE2s-256(seed || u64le(1)) || ...}, consumed front to back.
 * {@link #nextBytes} takes the next bytes of the stream as they are; {@link #nextInt} and {@link #nextLong}
 * take the next 4 or 8 bytes as a little-endian integer. Not thread-safe.
 */
final class DeterministicRandom implements RandomGenerator {
    private final byte[] seed;
    private final byte[] block = new byte[Blake2s.HASH_SIZE];
    private long blockNumber;
    private int used = block.length;

    DeterministicRandom(byte[] seed) {
        this.seed = seed.clone();
    }

    /** A generator seeded with the UTF-8 bytes of {@code label}. */
    static DeterministicRandom of(String label) {
        return new DeterministicRandom(label.getBytes(StandardCharsets.UTF_8));
    }

    private int nextByte() {
        if (used == block.length) {
            byte[] counter = new byte[8];
            for (int i = 0; i < 8; i++) {
                counter[i] = (byte) (blockNumber >>> (8 * i));
            }
            blockNumber++;
            System.arraycopy(Blake2s.hash(seed, counter), 0, block, 0, block.length);
            used = 0;
        }
        return block[used++] & 0xff;
    }

    @Override
    public void nextBytes(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) nextByte();
        }
    }

    /** The next {@code n} bytes of the stream. */
    byte[] bytes(int n) {
        byte[] b = new byte[n];
        nextBytes(b);
        return b;
    }

    @Override
    public int nextInt() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= nextByte() << (8 * i);
        }
        return v;
    }

    @Override
    public long nextLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) nextByte() << (8 * i);
        }
        return v;
    }
}
