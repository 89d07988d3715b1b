package dev.warren.bench;

import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.tables.AllowedIps;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Longest-prefix lookups in the allowed-IPs trie with N peers, each owning a /32 and a /24. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AllowedIpsBench {
    @Param({"10", "1000", "100000"})
    int peers;

    private final AllowedIps<Integer> table = new AllowedIps<>();
    private int[] addresses;
    private int i;

    @Setup
    public void setup() {
        Random r = new Random(1);
        addresses = new int[4096];
        for (int p = 0; p < peers; p++) {
            int a = 0x0a000000 | (p << 8);
            table.insert(IpPrefix.of(new byte[] {10, (byte) (p >>> 16), (byte) (p >>> 8), 0}, 24), p);
            table.insert(IpPrefix.of(new byte[] {100, (byte) (p >>> 16), (byte) (p >>> 8), (byte) p}, 32), p);
            if (p < addresses.length) {
                addresses[p] = a | r.nextInt(256);
            }
        }
        for (int k = peers; k < addresses.length; k++) {
            addresses[k] = addresses[r.nextInt(Math.min(peers, addresses.length))];
        }
    }

    @Benchmark
    public Integer lookupV4() {
        return table.lookupV4(addresses[i++ & 4095]);
    }
}
