package dev.warren.wireguard;

import java.util.random.RandomGenerator;

/**
 * The random generator of a recorded handshake transcript: two {@link DeterministicRandom} streams, one for
 * byte strings and one for integers. The engine draws ephemeral private keys with {@code nextBytes} and sender
 * indices with {@code nextInt}, so ephemerals come from the stream seeded with {@code ephemeralSeed} and
 * indices from the one seeded with {@code indexSeed}, whatever the order of the draws. Given to a whole
 * {@link Device} as its generator, it makes the device's handshake messages byte-identical to a transcript.
 */
final class TranscriptRandom implements RandomGenerator {
    private final DeterministicRandom bytes;
    private final DeterministicRandom ints;

    TranscriptRandom(byte[] ephemeralSeed, byte[] indexSeed) {
        this.bytes = new DeterministicRandom(ephemeralSeed);
        this.ints = new DeterministicRandom(indexSeed);
    }

    @Override
    public void nextBytes(byte[] out) {
        bytes.nextBytes(out);
    }

    @Override
    public int nextInt() {
        return ints.nextInt();
    }

    @Override
    public long nextLong() {
        return ints.nextLong();
    }
}
