package dev.warren.lab;

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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packet filter against real kernels: two WireGuard engines in this JVM on real TUN devices (with offloads)
 * moved into two fresh namespaces, A = 10.78.0.1 and B = 10.78.0.2, UDP over loopback; each TUN is wrapped in a
 * {@link FilterTun}. A's filter is empty (deny every new inbound flow), B's admits TCP 5201 from A only. Checks
 * with real TCP stacks, iperf3 and ping: an allowed connection works both ways (A's filter passes the replies of
 * its own connection), a denied port and pings in either direction do not get through and are counted, and an
 * iperf3 stream running while B's filter is emptied survives while a new connection is refused. Namespaces carry a
 * per-run prefix and are removed also on failure. Root, /dev/net/tun, iperf3 and ping needed.
 */
@Tag("lab")
class FilterLabTest {
    @Test
    @Timeout(120)
    void aRealTcpStackSeesOnlyWhatTheFilterAdmits() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && new File("/dev/net/tun").exists(),
                "the network-namespace lab needs root and /dev/net/tun");
        assumeTrue(Netns.have("iperf3") && Netns.have("ping"), "iperf3 and ping are needed");
        List<FilterRule> ssh = List.of(new FilterRule("acls[0]", List.of(IpPrefix.parse("10.78.0.1/32")),
                List.of(FilterRule.TCP), List.of(new PortRange(IpPrefix.parse("10.78.0.2/32"), 5201, 5201))));
        ExecutorScheduler scheduler = new ExecutorScheduler("filterlab-timers");
        PacketFilter fa = new PacketFilter(Clock.system());
        PacketFilter fb = new PacketFilter(Clock.system());
        fa.install(List.of());
        fb.install(ssh);
        List<Process> servers = new ArrayList<>();
        Device a = null;
        Device b = null;
        Netns ns = new Netns("fil");
        try {
            String nsA = ns.add("a");
            String nsB = ns.add("b");
            String tunA = ns.prefix() + "a";
            String tunB = ns.prefix() + "b";
            LinuxTun ta = LinuxTun.create(tunA, true);
            LinuxTun tb = LinuxTun.create(tunB, true);
            for (String[] t : new String[][]{{tunA, nsA, "10.78.0.1/24"}, {tunB, nsB, "10.78.0.2/24"}}) {
                Netns.run("ip", "link", "set", t[0], "netns", t[1]);
                Netns.run("ip", "-n", t[1], "addr", "add", t[2], "dev", t[0]);
                Netns.run("ip", "-n", t[1], "link", "set", t[0], "mtu", "1420", "up");
            }
            a = Device.start(new FilterTun(ta, fa, Clock.system()), Binds.create(),
                    Device.Options.defaults(scheduler, "filterlab-a"));
            b = Device.start(new FilterTun(tb, fb, Clock.system()), Binds.create(),
                    Device.Options.defaults(scheduler, "filterlab-b"));
            PrivateKey ka = X25519.generatePrivateKey();
            PrivateKey kb = X25519.generatePrivateKey();
            byte[] lo = IpAddresses.parse("127.0.0.1");
            a.apply(config(ka, X25519.publicKey(kb), null, "10.78.0.2/32"));
            b.apply(config(kb, X25519.publicKey(ka), null, "10.78.0.1/32"));
            a.apply(config(null, X25519.publicKey(kb), Endpoint.of(lo, b.listenPort()), "10.78.0.2/32"));
            b.apply(config(null, X25519.publicKey(ka), Endpoint.of(lo, a.listenPort()), "10.78.0.1/32"));
            for (String port : new String[]{"5201", "5202"}) {
                servers.add(new ProcessBuilder("ip", "netns", "exec", nsB, "iperf3", "-s", "-p", port)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            Thread.sleep(500);

            Netns.Result ok = ns.tryExec(nsA, Duration.ofSeconds(30), "iperf3", "-c", "10.78.0.2", "-p", "5201",
                    "-t", "1", "--connect-timeout", "5000");
            assertTrue(ok.ok(), "an allowed TCP connection works: " + ok.output());
            assertTrue(fb.snapshot().hits().get("acls[0]") >= 1, "admitted by B's rule");

            Netns.Result denied = ns.tryExec(nsA, Duration.ofSeconds(30), "iperf3", "-c", "10.78.0.2", "-p", "5202",
                    "-t", "1", "--connect-timeout", "2000");
            assertFalse(denied.ok(), "a port no rule admits: " + denied.output());
            assertTrue(fb.drops(dev.warren.filter.DropReason.NO_RULE) >= 1, "counted at B");

            assertFalse(ns.tryExec(nsA, Duration.ofSeconds(10), "ping", "-c", "2", "-W", "1", "10.78.0.2").ok(),
                    "B admits no ICMP");
            long aDrops = fa.drops(dev.warren.filter.DropReason.NO_RULE);
            assertFalse(ns.tryExec(nsB, Duration.ofSeconds(10), "ping", "-c", "2", "-W", "1", "10.78.0.1").ok(),
                    "A admits nothing new");
            assertTrue(fa.drops(dev.warren.filter.DropReason.NO_RULE) >= aDrops + 2, "counted at A");

            // a stream running while B's filter is emptied survives; a new connection does not get in
            Process stream = new ProcessBuilder("ip", "netns", "exec", nsA, "iperf3", "-c", "10.78.0.2", "-p",
                    "5201", "-t", "4").redirectErrorStream(true).start();
            Thread.sleep(1500);
            fb.install(List.of());
            String out = new String(stream.getInputStream().readAllBytes());
            assertEquals(0, stream.waitFor(), "the established session survives the filter change: " + out);
            assertTrue(out.contains("receiver"), out);
            assertFalse(ns.tryExec(nsA, Duration.ofSeconds(30), "iperf3", "-c", "10.78.0.2", "-p", "5201", "-t", "1",
                    "--connect-timeout", "2000").ok(), "a new connection follows the new filter");
        } finally {
            for (Process p : servers) {
                p.destroyForcibly();
            }
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            scheduler.close();
            ns.close();
        }
    }

    private static SetRequest config(PrivateKey key, PublicKey peer, Endpoint ep, String allowed) {
        return new SetRequest(key, key == null ? null : 0, null, false, List.of(new PeerChange(peer, false, false,
                PresharedKey.NONE, ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }
}
