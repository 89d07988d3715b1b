package dev.warren.bench;

import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/** In-place ChaCha20-Poly1305 seal of one transport packet in a direct buffer, per provider and size. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AeadBench {
    @Param({"jca", "sodium", "bc"})
    String provider;

    @Param({"64", "1420"})
    int size;

    private Aead aead;
    private AeadKey key;
    private ByteBuffer in;
    private ByteBuffer out;
    private long counter;

    @Setup
    public void setup() {
        aead = Aead.create(provider);
        key = AeadKey.of(new byte[32]);
        MemorySegment seg = Arena.ofAuto().allocate(4096, 64);
        in = seg.asByteBuffer();
        out = seg.asByteBuffer();
    }

    @Benchmark
    public int seal() {
        in.clear().position(16).limit(16 + size);
        out.clear().position(16);
        return aead.seal(key, counter++, in, out, null);
    }
}
