package dev.warren.lab;

import dev.warren.lab.WgPair.Node;
import dev.warren.lab.WgPair.Underlay;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves Warren's defence against a handshake flood (WireGuard paper §5.3, cookies under load): from a third
 * namespace, {@link LabTool}'s flooder sends Warren tens of thousands of handshake initiations per second, each
 * with a valid mac1 for Warren's public key but from random, unknown static keys. Then:
 *
 * <ol>
 *   <li>cookie replies engage: the flooder receives 64-byte type-3 messages addressed to its sender indexes,
 *       and nothing malformed;</li>
 *   <li>the established tunnel between Warren and its real peer (wireguard-go) keeps carrying traffic during
 *       the flood (pings through it);</li>
 *   <li>a new legitimate handshake during the flood still succeeds: the peer, re-created on the wireguard-go
 *       side so it must handshake again, gets a cookie reply (wireguard-go logs "Receiving cookie response"),
 *       retries with a mac2 made from it after its 5 s rekey timeout, and its ping is answered.</li>
 * </ol>
 */
@Tag("lab")
class HandshakeFloodLabTest {
    private static final Pattern STATS = Pattern.compile("sent=(\\d+) cookies=(\\d+) bad=(\\d+) other=(\\d+)");
    static final int RATE = 20_000;

    @Test
    @Timeout(180)
    void cookiesEngageAndRealPeersStillGetThrough() throws Exception {
        try (WgPair pair = WgPair.start("lab", Impl.WARREN, Impl.WIREGUARD_GO, Underlay.V4)) {
            Node warren = pair.a;
            Node peer = pair.b;
            pair.configureBoth();
            assertTrue(peer.ping(warren.tun4, 3, Duration.ofSeconds(10)), "tunnel up before the flood");

            String flooderNs = pair.lab.add("f");
            pair.lab.veth(warren.ns, "vf" + pair.lab.prefix().substring(1), "192.168.78.1/24",
                    flooderNs, "vg" + pair.lab.prefix().substring(1), "192.168.78.2/24");
            Path floodLog = pair.logs.resolve("flood.log");
            Process flood = LabEnv.spawn(flooderNs, floodLog, LabEnv.tool("flood", "192.168.78.1",
                    Integer.toString(WgPair.PORT), warren.pub, Integer.toString(RATE), "60"));
            try {
                assertTrue(LabEnv.eventually(Duration.ofSeconds(15), () -> lastStats(floodLog)[1] > 100),
                        "cookie replies engage under the flood: " + tail(floodLog));

                Netns.Result during = peer.pingResult(warren.tun4, 20, Duration.ofSeconds(10));
                System.out.println("ping during the flood: " + during.output().strip().replace('\n', ' '));
                assertTrue(received(during) >= 18, "the established tunnel carries traffic during the flood: "
                        + during.output());

                // the peer forgets the session: its next packet needs a new handshake, during the flood
                peer.wg("set", peer.iface, "peer", warren.pub, "remove");
                peer.wg("set", peer.iface, "peer", warren.pub, "endpoint", warren.endpoint(),
                        "allowed-ips", warren.tun4 + "/32," + warren.tun6 + "/128");
                assertEquals(0, peer.latestHandshake(warren), "the peer starts over");
                long t0 = System.nanoTime();
                Netns.Result fresh = peer.pingResult(warren.tun4, 1, Duration.ofSeconds(30));
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("new handshake during the flood answered after %.1f s; flood so far: %s%n",
                        seconds, tail(floodLog));
                assertTrue(fresh.ok(), "a new legitimate handshake succeeds during the flood: " + fresh.output());
                assertTrue(peer.latestHandshake(warren) > 0, "the peer's handshake completed");
                assertTrue(LabEnv.read(peer.log).contains("Receiving cookie response"),
                        "the legitimate peer was answered with a cookie (wireguard-go's log)");
                assertTrue(flood.isAlive(), "the flood was still running");
            } finally {
                LabEnv.stop(flood, Duration.ofSeconds(5));
            }
            long[] s = lastStats(floodLog);
            System.out.printf("flood: %d initiations sent, %d cookie replies, %d bad, %d other%n", s[0], s[1], s[2], s[3]);
            assertTrue(s[0] > 10_000, "the flood was a flood: " + tail(floodLog));
            assertEquals(0, s[2], "cookie replies all addressed to the flooder's sender indexes");
            assertEquals(0, s[3], "nothing but cookie replies answered the flood (no handshake responses)");
            assertTrue(peer.ping(warren.tun4, 3, Duration.ofSeconds(5)), "the tunnel works after the flood");
            assertTrue(warren.pid().isPresent(), "Warren survived");
        }
    }

    /** The last {@code sent cookies bad other} line of the flooder's log, zeros before the first. */
    static long[] lastStats(Path log) throws IOException {
        Matcher m = STATS.matcher(LabEnv.read(log));
        long[] last = new long[4];
        while (m.find()) {
            for (int i = 0; i < 4; i++) {
                last[i] = Long.parseLong(m.group(i + 1));
            }
        }
        return last;
    }

    static String tail(Path log) throws IOException {
        var lines = LabEnv.read(log).lines().toList();
        return lines.isEmpty() ? "(no output)" : lines.getLast();
    }

    static int received(Netns.Result ping) {
        Matcher m = Pattern.compile("(\\d+) received").matcher(ping.output());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
