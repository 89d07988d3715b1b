package dev.warren.lab;

import dev.warren.lab.WgPair.Iperf;
import dev.warren.lab.WgPair.Node;
import dev.warren.lab.WgPair.Underlay;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that real TCP and UDP traffic crosses the tunnel intact, in both directions, between Warren and
 * Warren and between Warren and wireguard-go:
 *
 * <ul>
 *   <li>iperf3 TCP for a few seconds each way (client in a, then {@code -R}), at a plausible rate;</li>
 *   <li>iperf3 UDP each way at a fixed offered rate, with little loss;</li>
 *   <li>8 MB of pseudo-random bytes over a TCP connection each way (IPv4 one way, IPv6 the other), the
 *       SHA-256 computed by the sender and by the receiver identical;</li>
 *   <li>UDP datagrams from 1 byte to 8 KB (the larger ones IP-fragmented inside the tunnel) echoed back
 *       through the tunnel byte for byte.</li>
 * </ul>
 *
 * The thresholds are deliberately loose (the machines are shared and small): they catch a tunnel that stalls,
 * corrupts or drops, not a slow one — {@code bench/wg-throughput.sh} measures speed.
 */
@Tag("lab")
class TrafficLabTest {
    private static final Pattern DIGEST = Pattern.compile("bytes=(\\d+) sha256=([0-9a-f]{64})");
    private static final Pattern UDP_CHECK = Pattern.compile("ok=(\\d+) corrupt=(\\d+) lost=(\\d+)");

    /** Minimum TCP goodput that counts as "the tunnel works" on a loaded two-core machine. */
    static final double MIN_TCP_MBPS = 20;
    /** UDP offered load and the loss allowed at it. */
    static final String UDP_RATE = "50M";
    static final double MAX_UDP_LOSS_PERCENT = 10;

    @ParameterizedTest(name = "warren (a) <-> {0} (b)")
    @EnumSource(Impl.class)
    @Timeout(180)
    void tcpAndUdpCrossTheTunnelIntactBothWays(Impl peer) throws Exception {
        try (WgPair pair = WgPair.start("lab", Impl.WARREN, peer, Underlay.V4)) {
            pair.configureBoth();
            assertTrue(pair.a.ping(pair.b.tun4, 2, Duration.ofSeconds(10)), "tunnel up");

            Iperf tcp = pair.iperf(pair.a, pair.b, pair.b.tun4, 3);
            System.out.println("TCP a->b " + peer + ": " + tcp);
            assertTrue(tcp.ok(), "iperf3 TCP a->b: " + tcp + "\n" + tcp.json());
            assertTrue(tcp.mbps() > MIN_TCP_MBPS, "TCP a->b goodput " + tcp);
            Iperf tcpR = pair.iperf(pair.a, pair.b, pair.b.tun6, 3, "-R");
            System.out.println("TCP b->a (IPv6) " + peer + ": " + tcpR);
            assertTrue(tcpR.ok(), "iperf3 TCP b->a: " + tcpR + "\n" + tcpR.json());
            assertTrue(tcpR.mbps() > MIN_TCP_MBPS, "TCP b->a goodput " + tcpR);

            for (String dir : new String[] {"a->b", "b->a"}) {
                Iperf udp = dir.equals("a->b")
                        ? pair.iperf(pair.a, pair.b, pair.b.tun4, 2, "-u", "-b", UDP_RATE, "-l", "1392")
                        : pair.iperf(pair.a, pair.b, pair.b.tun4, 2, "-u", "-b", UDP_RATE, "-l", "1392", "-R");
                System.out.println("UDP " + dir + " " + peer + ": " + udp);
                assertTrue(udp.ok(), "iperf3 UDP " + dir + ": " + udp + "\n" + udp.json());
                assertTrue(udp.lostPercent() <= MAX_UDP_LOSS_PERCENT, "UDP " + dir + " loss: " + udp);
            }

            tcpIntegrity(pair, pair.a, pair.b, pair.b.tun4, 8 << 20);
            tcpIntegrity(pair, pair.b, pair.a, pair.a.tun6, 8 << 20);
            udpIntegrity(pair, pair.a, pair.b, pair.b.tun4);
            udpIntegrity(pair, pair.b, pair.a, pair.a.tun6);
        }
    }

    /** Sends {@code bytes} from {@code from} to a sink in {@code to} and compares both SHA-256 digests. */
    static void tcpIntegrity(WgPair pair, Node from, Node to, String dst, long bytes) throws Exception {
        Path sinkLog = pair.logs.resolve("tcp-sink-" + to.name + ".log");
        Process sink = LabEnv.spawn(to.ns, sinkLog, LabEnv.tool("tcp-sink", "7001"));
        try {
            String sent = pair.lab.exec(from.ns, LabEnv.tool("tcp-source", dst, "7001", Long.toString(bytes), "42"));
            assertTrue(sink.waitFor(30, TimeUnit.SECONDS), "the sink finished");
            Matcher s = DIGEST.matcher(sent);
            Matcher r = DIGEST.matcher(LabEnv.read(sinkLog));
            assertTrue(s.find(), "sender output: " + sent);
            assertTrue(r.find(), "receiver output: " + LabEnv.read(sinkLog));
            assertEquals(Long.toString(bytes), r.group(1), "bytes received " + from.name + "->" + to.name);
            assertEquals(s.group(2), r.group(2), "SHA-256 of what " + from + " sent and " + to + " received");
        } finally {
            LabEnv.stop(sink, Duration.ofSeconds(1));
        }
    }

    /** Datagrams of assorted sizes from {@code from} echoed by {@code to}, compared byte for byte. */
    static void udpIntegrity(WgPair pair, Node from, Node to, String dst) throws Exception {
        Path echoLog = pair.logs.resolve("udp-echo-" + to.name + ".log");
        Process echo = LabEnv.spawn(to.ns, echoLog, LabEnv.tool("udp-echo", "7002"));
        try {
            LabEnv.eventually(Duration.ofSeconds(10), () -> LabEnv.read(echoLog).contains("listening"));
            Netns.Result r = pair.lab.tryExec(from.ns, Duration.ofSeconds(120),
                    LabEnv.tool("udp-check", dst, "7002", "200", "7"));
            Matcher m = UDP_CHECK.matcher(r.output());
            assertTrue(r.ok() && m.find(), "udp-check: " + r.output());
            assertEquals("0", m.group(2), "corrupted datagrams " + from.name + "->" + to.name + ": " + r.output());
            assertEquals("200", m.group(1), "datagrams echoed intact " + from.name + "->" + to.name + ": " + r.output());
        } finally {
            LabEnv.stop(echo, Duration.ofSeconds(1));
        }
    }
}
