package dev.warren.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.crypto.X25519;
import dev.warren.filter.FilterTun;
import dev.warren.filter.PacketFilter;
import dev.warren.net.tun.LinuxTun;
import dev.warren.net.udp.Binds;
import dev.warren.testing.lab.Netns;
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
 * Tunnel TCP throughput through the packet filter on real kernels, allow-all against a 1,000-rule policy in the
 * same run: two WireGuard engines in this JVM on real TUN devices (with offloads) moved into two fresh network
 * namespaces ({@code 10.77.0.1} and {@code 10.77.0.2}, MTU 1420), talking UDP over loopback; the receiver's TUN is
 * wrapped in a {@link FilterTun}. iperf3 (one TCP stream, client in A, server in B) runs alternately with each
 * filter; the 1,000-rule policy admits the stream by its last rule. Prints Mbit/s per run and the ratio of the
 * medians (the target: at least 95 %). {@code --control} installs allow-all in both arms: the ratio then
 * shows the noise of the machine. Namespaces carry a unique prefix and are removed at the end, also
 * on failure. Needs root and iperf3.
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.warren.bench.FilterTunnelLab [ROUNDS] [SECONDS] [--control]}
 */
public final class FilterTunnelLab {
    private FilterTunnelLab() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        boolean control = args.length > 2 && args[2].equals("--control"); // both arms allow-all: the noise floor
        List<FilterRule> allowAll = List.of(new FilterRule("allow-all", List.of(IpPrefix.parse("0.0.0.0/0")),
                List.of(), List.of(PortRange.all(IpPrefix.parse("0.0.0.0/0")))));
        List<FilterRule> thousand = new ArrayList<>();
        for (int i = 0; i < 999; i++) {
            thousand.add(new FilterRule("acls[" + i + "]",
                    List.of(IpPrefix.parse("10." + (100 + (i >> 8)) + "." + (i & 255) + ".0/24")),
                    List.of(FilterRule.TCP, FilterRule.UDP),
                    List.of(new PortRange(IpPrefix.parse("10.77.0.2/32"), 1000 + i, 1000 + i))));
        }
        thousand.add(new FilterRule("acls[999]", List.of(IpPrefix.parse("10.77.0.1/32")), List.of(FilterRule.TCP),
                List.of(new PortRange(IpPrefix.parse("10.77.0.2/32"), 5201, 5201))));

        ObjectMapper json = new ObjectMapper();
        ExecutorScheduler scheduler = new ExecutorScheduler("lab-timers");
        PacketFilter filter = new PacketFilter(Clock.system());
        filter.install(allowAll);
        Device a = null;
        Device b = null;
        Process server = null;
        Netns ns = new Netns("flt");
        try {
            String nsA = ns.add("a");
            String nsB = ns.add("b");
            String tunA = ns.prefix() + "a";
            String tunB = ns.prefix() + "b";
            LinuxTun ta = LinuxTun.create(tunA, true);
            LinuxTun tb = LinuxTun.create(tunB, true);
            for (String[] t : new String[][]{{tunA, nsA, "10.77.0.1/24"}, {tunB, nsB, "10.77.0.2/24"}}) {
                Netns.run("ip", "link", "set", t[0], "netns", t[1]);
                Netns.run("ip", "-n", t[1], "addr", "add", t[2], "dev", t[0]);
                Netns.run("ip", "-n", t[1], "link", "set", t[0], "mtu", "1420", "up");
            }
            a = Device.start(ta, Binds.create(), Device.Options.defaults(scheduler, "lab-a"));
            b = Device.start(new FilterTun(tb, filter, Clock.system()), Binds.create(),
                    Device.Options.defaults(scheduler, "lab-b"));
            PrivateKey ka = X25519.generatePrivateKey();
            PrivateKey kb = X25519.generatePrivateKey();
            byte[] lo = IpAddresses.parse("127.0.0.1");
            a.apply(config(ka, 0, X25519.publicKey(kb), null, "10.77.0.2/32"));
            b.apply(config(kb, 0, X25519.publicKey(ka), null, "10.77.0.1/32"));
            a.apply(config(null, null, X25519.publicKey(kb), Endpoint.of(lo, b.listenPort()), "10.77.0.2/32"));
            b.apply(config(null, null, X25519.publicKey(ka), Endpoint.of(lo, a.listenPort()), "10.77.0.1/32"));
            server = new ProcessBuilder("ip", "netns", "exec", nsB, "iperf3", "-s").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(500);
            String ping = ns.exec(nsA, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2");
            if (!ping.contains(" 0% packet loss") && !ping.contains(" 33% packet loss")) {
                throw new IllegalStateException("no tunnel: " + ping);
            }
            iperf(ns, nsA, json, 2); // warm-up
            double[] all = new double[rounds];
            double[] rules = new double[rounds];
            for (int r = 0; r < rounds; r++) { // A B, then B A: drift of the shared machine hits both alike
                for (int k = 0; k < 2; k++) {
                    if ((k == 0) == (r % 2 == 0)) {
                        filter.install(allowAll);
                        all[r] = iperf(ns, nsA, json, seconds);
                    } else {
                        filter.install(control ? allowAll : thousand);
                        rules[r] = iperf(ns, nsA, json, seconds);
                    }
                }
                System.out.printf("round %d: allow-all %.0f Mbit/s, 1,000 rules %.0f Mbit/s%n", r + 1, all[r], rules[r]);
            }
            double ma = median(all);
            double mr = median(rules);
            System.out.printf("median: allow-all %.0f Mbit/s, 1,000 rules %.0f Mbit/s, ratio %.1f %%; filter: %s%n",
                    ma, mr, 100 * mr / ma, filter.snapshot().drops());
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            scheduler.close();
            ns.close(); // the namespaces (and the TUN devices in them) go last
        }
    }

    private static double iperf(Netns ns, String nsA, ObjectMapper json, int seconds) throws Exception {
        String out = ns.exec(nsA, "iperf3", "-c", "10.77.0.2", "-t", Integer.toString(seconds), "-J");
        JsonNode n = json.readTree(out);
        return n.path("end").path("sum_received").path("bits_per_second").asDouble() / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static SetRequest config(PrivateKey key, Integer port, PublicKey peer, Endpoint ep, String allowed) {
        return new SetRequest(key, port, null, false, List.of(new PeerChange(peer, false, false, PresharedKey.NONE,
                ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }
}
