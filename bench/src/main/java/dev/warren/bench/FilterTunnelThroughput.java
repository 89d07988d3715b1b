package dev.warren.bench;

import dev.warren.crypto.X25519;
import dev.warren.filter.FilterTun;
import dev.warren.filter.PacketFilter;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tunnel throughput with the packet filter, same run: two WireGuard engines in this process on the in-memory
 * network ({@code warren-testing}'s ChannelNetwork/ChannelTun), the receiver's TUN wrapped in a {@link FilterTun}.
 * Rounds alternate between an allow-all filter and a 1,000-rule one in which only the last rule admits the
 * sender's UDP port — every packet takes the rule path (UDP is judged per packet; TCP after its SYN only needs a
 * flow-table hit, so this is the filter's worst case). Prints packets per second per round and the ratio of the
 * medians.
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.warren.bench.FilterTunnelThroughput [ROUNDS] [PACKETS]}
 */
public final class FilterTunnelThroughput {
    private static final byte[] IP_A = IpAddresses.parse("10.0.0.1");
    private static final byte[] IP_B = IpAddresses.parse("10.0.0.2");
    private static final int PORT = 1999;

    private FilterTunnelThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int packets = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        List<FilterRule> allowAll = List.of(new FilterRule("allow-all", List.of(IpPrefix.parse("0.0.0.0/0")), List.of(),
                List.of(PortRange.all(IpPrefix.parse("0.0.0.0/0")))));
        List<FilterRule> thousand = new ArrayList<>();
        for (int i = 0; i < 999; i++) {
            thousand.add(new FilterRule("acls[" + i + "]", List.of(IpPrefix.parse("10." + (1 + (i >> 8)) + "." + (i & 255) + ".0/24")),
                    List.of(FilterRule.TCP, FilterRule.UDP), List.of(new PortRange(IpPrefix.parse("10.0.0.2/32"),
                    1000 + i, 1000 + i))));
        }
        thousand.add(new FilterRule("acls[999]", List.of(IpPrefix.parse("10.0.0.1/32")), List.of(FilterRule.UDP),
                List.of(new PortRange(IpPrefix.parse("10.0.0.2/32"), PORT, PORT))));

        ExecutorScheduler scheduler = new ExecutorScheduler("bench-timers");
        ChannelNetwork net = new ChannelNetwork();
        ChannelTun tunA = new ChannelTun("a");
        ChannelTun hostB = new ChannelTun("b");
        PacketFilter filter = new PacketFilter(Clock.system());
        Device a = Device.start(tunA, net.bind(IpAddresses.parse("192.0.2.1")), Device.Options.defaults(scheduler, "a"));
        Device b = Device.start(new FilterTun(hostB, filter, Clock.system()), net.bind(IpAddresses.parse("192.0.2.2")),
                Device.Options.defaults(scheduler, "b"));
        try {
            PrivateKey ka = X25519.generatePrivateKey();
            PrivateKey kb = X25519.generatePrivateKey();
            a.apply(config(ka, X25519.publicKey(kb), null, "10.0.0.2/32"));
            b.apply(config(kb, X25519.publicKey(ka), null, "10.0.0.1/32"));
            a.apply(config(null, X25519.publicKey(kb), Endpoint.of(IpAddresses.parse("192.0.2.2"), b.listenPort()),
                    "10.0.0.2/32"));
            filter.install(allowAll);
            byte[] p = Packets.udp4(IP_A, IP_B, 4000, PORT, new byte[1372]); // 1400-byte IP packets
            tunA.inject(p); // the handshake: packets sent before it completes may be dropped by the engine
            if (hostB.take(Duration.ofSeconds(10)) == null) {
                throw new IllegalStateException("no handshake");
            }
            run(tunA, hostB, p, 20_000); // warm-up
            filter.install(thousand);
            run(tunA, hostB, p, 20_000);
            double[] all = new double[rounds];
            double[] rules = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                filter.install(allowAll);
                all[r] = run(tunA, hostB, p, packets);
                filter.install(thousand);
                rules[r] = run(tunA, hostB, p, packets);
                System.out.printf("round %d: allow-all %.0f packets/s, 1,000 rules %.0f packets/s%n", r + 1, all[r],
                        rules[r]);
            }
            double ma = median(all);
            double mr = median(rules);
            System.out.printf("median: allow-all %.0f packets/s (%.0f Mbit/s), 1,000 rules %.0f packets/s (%.0f Mbit/s),"
                    + " ratio %.1f %%; dropped %d%n", ma, ma * p.length * 8 / 1e6, mr, mr * p.length * 8 / 1e6,
                    100 * mr / ma, filter.snapshot().dropped());
        } finally {
            a.close();
            b.close();
            scheduler.close();
        }
    }

    /** Sends {@code n} packets A→B in windows of 256 and returns packets per second received. */
    private static double run(ChannelTun from, ChannelTun to, byte[] p, int n) throws InterruptedException {
        long start = System.nanoTime();
        int sent = 0;
        int got = 0;
        while (got < n) {
            while (sent < n && sent - got < 256) {
                from.inject(p);
                sent++;
            }
            byte[] r = to.take(Duration.ofSeconds(5));
            if (r == null) {
                throw new IllegalStateException("packet " + got + " did not arrive");
            }
            got++;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static SetRequest config(PrivateKey key, PublicKey peer, Endpoint ep, String allowed) {
        return new SetRequest(key, null, null, false, List.of(new PeerChange(peer, false, false, PresharedKey.NONE,
                ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }
}
