package dev.warren.wireguard.alloc;

import dev.warren.crypto.Aead;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady state allocates nothing (DESIGN §3.2): two devices exchange packets both ways over allocation-free
 * fakes ({@link RingNetwork}, {@link RingTun}), and after a warm-up of 100,000 each way the bytes allocated on the
 * engine's packet threads ({@code *-tun}, {@code *-udp-*}, {@code *-crypto-*}, measured with
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}) must stay under {@value #BUDGET} byte per
 * packet on average over a round of 100,000 packets (the best of up to six rounds, see {@link AllocationProbe}).
 * The AEAD is libsodium: the JDK's ChaCha20-Poly1305 allocates about 2.2 KB per packet inside the JDK, which the
 * engine cannot avoid. Fake time stands still, so no timer re-arms during the run. The
 * measurement runs in a fresh JVM ({@link AllocationProbe}), untouched by what other tests did to this one.
 * {@link #theMeterSeesOneSmallAllocationPerPacket} proves the measurement can fail.
 */
class SteadyStateAllocationTest {
    /**
     * Bytes per packet. Measured: 0.000 to 0.001 (at most a few hundred bytes of one-off allocations in a
     * round); 1 byte leaves room for such one-offs yet fails for any per-packet object (at least 16
     * bytes) and for per-batch allocations too (a {@code long[n]} per sent batch measures about 8).
     */
    static final double BUDGET = 1;

    record Probe(double bytesPerPacket, long outOfOrder, long overflows, String perThread) {
    }

    @Test
    void noAllocationPerPacketOnThePacketThreads() throws Exception {
        Probe r = probe("alloc", false);
        System.out.printf("steady state: %.3f bytes per packet; per thread %s%n", r.bytesPerPacket(), r.perThread());
        assertEquals(0, r.overflows(), "the fake network never overflowed");
        assertEquals(0, r.outOfOrder(), "every packet arrived in order");
        assertTrue(r.bytesPerPacket() < BUDGET, String.format(
                "%.2f bytes allocated per packet on the packet threads (budget %.0f): %s", r.bytesPerPacket(), BUDGET,
                r.perThread()));
    }

    /** The same run with one 32-byte array allocated per delivered packet must break the budget. */
    @Test
    void theMeterSeesOneSmallAllocationPerPacket() throws Exception {
        Probe r = probe("meter", true);
        System.out.printf("with one long[2] per packet: %.3f bytes per packet%n", r.bytesPerPacket());
        assertTrue(r.bytesPerPacket() >= BUDGET, String.format(
                "a 32-byte array per packet must break the budget, measured %.2f: %s", r.bytesPerPacket(),
                r.perThread()));
    }

    private static Probe probe(String name, boolean allocate) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Aead.isAvailable(Aead.SODIUM), "libsodium is not installed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-Xbatch", "-D" + Aead.PROVIDER_PROPERTY + "=" + Aead.SODIUM, "-cp", System.getProperty("java.class.path"),
                AllocationProbe.class.getName(), name));
        if (allocate) {
            cmd.add("allocate");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the allocation probe did not finish");
            }
        } finally {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        for (String line : text.lines().toList()) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.split(" ", 5);
                return new Probe(Double.parseDouble(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), f[4]);
            }
        }
        throw new AssertionError("the allocation probe failed (exit " + p.exitValue() + "):\n" + text);
    }
}
