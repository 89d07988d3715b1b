package dev.warren.filter;

import dev.warren.testing.FakeClock;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.warren.filter.Rules.rule;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter allocates nothing per packet in steady state (DESIGN §3.2): batches go both ways through a
 * {@link FilterTun} over a device that neither copies nor allocates — new and tracked TCP flows, UDP replies,
 * ICMP echo and errors, drops of every common kind, IPv4 and IPv6, 1,000 rules — and after a warm-up the bytes
 * allocated by this thread ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}) must stay under
 * {@value #BUDGET} byte per packet (best of five rounds, which absorbs one-off JIT and class-loading noise). Drops
 * are logged at most once per 10 s of the fake clock, which stands still, so logging does not run in the rounds.
 * {@link #theMeterSeesOneSmallAllocationPerPacket} proves the measurement can fail.
 */
class FilterAllocationTest {
    static final double BUDGET = 1;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A device that hands out the prepared packets in turn and swallows writes. */
    private static final class LoopTun implements TunDevice {
        final PacketBuffer[] outbound;
        int next;
        long written;

        LoopTun(PacketBuffer[] outbound) {
            this.outbound = outbound;
        }

        @Override
        public String name() {
            return "loop";
        }

        @Override
        public int mtu() {
            return 1420;
        }

        @Override
        public int read(PacketBuffer[] bufs, int max) {
            int n = Math.min(max, outbound.length);
            for (int i = 0; i < n; i++) {
                bufs[i] = outbound[next];
                next = (next + 1) % outbound.length;
            }
            return n;
        }

        @Override
        public void write(PacketBuffer[] bufs, int from, int count) {
            written += count;
        }

        @Override
        public int batchSize() {
            return 64;
        }

        @Override
        public void close() {
        }
    }

    private record Setup(FilterTun tun, PacketBuffer[] inbound, PacketBuffer[] readBufs) {
    }

    private static Setup setup() {
        FakeClock clock = new FakeClock();
        PacketFilter filter = new PacketFilter(clock);
        List<dev.warren.wire.filter.FilterRule> rules = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            rules.add(rule("r" + i, "10." + (i >> 8) + "." + (i & 255) + ".0/24,fd00:" + i + "::/64", "tcp,udp",
                    "100.64.0.1/32:" + (2000 + i) + ",[fd7a::1/128]:" + (2000 + i)));
        }
        rules.add(rule("ssh", "100.64.0.2/32,fd7a::2/128", "", "100.64.0.1/32:22,[fd7a::1/128]:22"));
        filter.install(rules);
        List<PacketBuffer> out = new ArrayList<>();
        List<PacketBuffer> in = new ArrayList<>();
        for (String[] n : new String[][]{{"100.64.0.1", "100.64.0.2", "100.64.0.3"}, {"fd7a::1", "fd7a::2", "fd7a::3"}}) {
            String l = n[0];
            String r = n[1];
            String o = n[2];
            byte[] sentUdp = Pkt.udp(l, 5000, r, 53);
            out.add(Pkt.buf(Pkt.tcp(l, 40000, r, 443, Pkt.ACK)));
            out.add(Pkt.buf(sentUdp));
            out.add(Pkt.buf(Pkt.echo(l, r, 7, false)));
            in.add(Pkt.buf(Pkt.tcp(r, 443, l, 40000, Pkt.ACK)));             // tracked reply
            in.add(Pkt.buf(Pkt.tcp(r, 4000, l, 22, Pkt.SYN)));               // new, admitted by a rule
            in.add(Pkt.buf(Pkt.tcp(r, 4000, l, 22, Pkt.ACK)));               // then tracked
            in.add(Pkt.buf(Pkt.tcp(o, 4000, l, 22, Pkt.SYN)));               // no rule
            in.add(Pkt.buf(Pkt.tcp(r, 4001, l, 23, Pkt.ACK)));               // no rule, not syn
            in.add(Pkt.buf(Pkt.udp(r, 53, l, 5000)));                        // reply
            in.add(Pkt.buf(Pkt.udp(l.contains(":") ? "fd00:999::1" : "10.3.231.1", 9, l, 2999))); // rule 999
            in.add(Pkt.buf(Pkt.echo(r, l, 7, true)));                        // echo reply
            in.add(Pkt.buf(Pkt.unreachable(o, l, sentUdp)));                 // error about a tracked flow
            in.add(Pkt.buf(Pkt.unreachable(o, l, Pkt.udp(l, 5001, r, 53)))); // error, untracked
            in.add(Pkt.buf(new byte[]{0x45, 0, 0, 1}));                      // malformed
        }
        LoopTun loop = new LoopTun(out.toArray(PacketBuffer[]::new));
        return new Setup(new FilterTun(loop, filter, clock), in.toArray(PacketBuffer[]::new), new PacketBuffer[64]);
    }

    /** Bytes allocated per packet (read + written) over {@code packets}, best of five rounds. */
    private static double measure(Setup s, boolean allocate, int packets) throws Exception {
        run(s, allocate, 200_000);
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            long n = run(s, allocate, packets);
            long after = THREADS.getCurrentThreadAllocatedBytes();
            best = Math.min(best, (double) (after - before) / n);
        }
        return best;
    }

    static long sink;

    private static long run(Setup s, boolean allocate, int packets) throws Exception {
        long n = 0;
        PacketBuffer[] in = s.inbound();
        while (n < packets) {
            int r = s.tun().read(s.readBufs(), 3);
            s.tun().write(in, 0, in.length);
            n += r + in.length;
            if (allocate) {
                for (int i = 0; i < r + in.length; i++) {
                    sink += new long[2].length;
                }
            }
        }
        return n;
    }

    @Test
    void noAllocationPerPacket() throws Exception {
        double bytes = measure(setup(), false, 100_000);
        System.out.printf("filter steady state: %.4f bytes per packet%n", bytes);
        assertTrue(bytes < BUDGET, String.format("%.3f bytes allocated per packet (budget %.0f)", bytes, BUDGET));
    }

    @Test
    void theMeterSeesOneSmallAllocationPerPacket() throws Exception {
        double bytes = measure(setup(), true, 100_000);
        System.out.printf("with one long[2] per packet: %.3f bytes per packet%n", bytes);
        assertTrue(bytes >= BUDGET, String.format("a 32-byte array per packet must break the budget: %.3f", bytes));
    }

    static {
        Duration.ofSeconds(1); // load java.time before measuring
    }
}
