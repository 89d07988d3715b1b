package dev.warren.channel.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record decoder and reassembler never throw anything but {@link ChannelException}, never deliver a message
 * above the maximum, and deliver exactly what was sealed when the stream is genuine. Under plain {@code mvn test}
 * this runs the seeds in src/test/resources (regression mode); {@code JAZZER_FUZZ=1} fuzzes.
 */
class RecordReaderFuzzTest {
    private static final byte[] KEY = new byte[32];
    private static final int MAX = 200_000;
    /** One of each per JVM: the fuzzer calls the target from one thread. */
    private static final Aead OPEN = Aead.create();
    private static final Aead SEAL = Aead.create();

    static {
        Arrays.fill(KEY, (byte) 0x5a);
    }

    @FuzzTest(maxDuration = "30s")
    void decoderSurvivesAnything(FuzzedDataProvider data) {
        RecordReader reader = new RecordReader(OPEN, AeadKey.of(KEY), MAX, false);
        RecordWriter writer = new RecordWriter(SEAL, AeadKey.of(KEY));
        byte[] expected = new byte[0];
        int steps = data.consumeInt(0, 40);
        for (int i = 0; i < steps; i++) {
            byte[] record;
            int mode = data.consumeInt(0, 3);
            byte[] chunk = data.consumeBytes(data.consumeInt(0, 3000));
            boolean last = data.consumeBoolean();
            try {
                record = switch (mode) {
                    case 0 -> data.consumeBytes(data.consumeInt(0, Records.MAX_RECORD_SIZE + 10)); // raw garbage
                    case 1 -> writer.sealChunk(chunk, 0, chunk.length, last);                    // genuine
                    case 2 -> {                                                                   // genuine, one bit off
                        byte[] r = writer.sealChunk(chunk, 0, chunk.length, last);
                        int at = data.consumeInt(0, r.length - 1);
                        r[at] ^= (byte) (1 << data.consumeInt(0, 7));
                        yield r;
                    }
                    default -> {                                                                  // skips a counter
                        writer.sealChunk(chunk, 0, chunk.length, last);
                        yield writer.sealChunk(chunk, 0, chunk.length, last);
                    }
                };
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            try {
                byte[] m = reader.accept(ByteBuffer.wrap(record));
                if (mode == 1) {
                    byte[] soFar = concat(expected, chunk);
                    if (last) {
                        assertArrayEquals(soFar, m);
                        expected = new byte[0];
                    } else {
                        expected = soFar;
                    }
                }
                if (m != null) {
                    assertTrue(m.length <= MAX);
                }
            } catch (ChannelException e) {
                return; // the connection would be closed here
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
