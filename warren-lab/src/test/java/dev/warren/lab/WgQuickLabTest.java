package dev.warren.lab;

import dev.warren.lab.WgPair.Node;
import dev.warren.lab.WgPair.Underlay;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that {@code wg-quick} drives Warren as it drives wireguard-go, through
 * {@code WG_QUICK_USERSPACE_IMPLEMENTATION=bin/warren-wg}: {@code wg-quick up} with a config file (Address,
 * ListenPort, PrivateKey, MTU, a peer with AllowedIPs and Endpoint) starts Warren, which wg-quick then
 * configures — addresses and MTU on the link, routes for the allowed IPs — and the peer (wireguard-go, set up
 * with {@code wg set}) answers pings over IPv4 and IPv6 both ways; {@code wg-quick down} deletes the link, after
 * which the Warren daemon exits and its UAPI socket is gone. The config sets no DNS and no default route, so
 * wg-quick touches nothing outside the namespace.
 */
@Tag("lab")
class WgQuickLabTest {

    @Test
    @Timeout(90)
    void wgQuickUpAndDownWithWarrenAsTheUserspaceImplementation() throws Exception {
        try (WgPair pair = WgPair.start("lab", Impl.WARREN, Impl.WIREGUARD_GO, Underlay.V4)) {
            Node a = pair.a;
            Node b = pair.b;
            // wg-quick starts a's daemon itself, for an interface named after the config file; the fixture's own
            // daemon in a is stopped below (deleting its link), so only b's wireguard-go is set up by hand
            String iface = pair.lab.prefix() + "q";
            pair.configure(b, a, false);
            Path conf = pair.keys.resolve(iface + ".conf");
            Files.writeString(conf, """
                    [Interface]
                    Address = %s/24, %s/64
                    ListenPort = %d
                    PrivateKey = %s
                    MTU = 1380

                    [Peer]
                    PublicKey = %s
                    AllowedIPs = %s/32, %s/128
                    Endpoint = %s
                    """.formatted(a.tun4, a.tun6, WgPair.PORT, Files.readString(a.key).strip(), b.pub, b.tun4,
                    b.tun6, b.endpoint()));
            pair.lab.exec(a.ns, "ip", "link", "del", a.iface);
            LabEnv.eventually(Duration.ofSeconds(10), () -> a.pid().isEmpty());

            Netns.Result up = pair.lab.tryExec(a.ns, Duration.ofSeconds(60), "env",
                    "WG_QUICK_USERSPACE_IMPLEMENTATION=" + LabEnv.WARREN_WG, "LOG_LEVEL=verbose",
                    "WARREN_LOG=" + pair.logs.resolve(iface + ".log"), "wg-quick", "up", conf.toString());
            assertTrue(up.ok(), "wg-quick up:\n" + up.output());
            assertTrue(up.output().contains(LabEnv.WARREN_WG.toString()), "wg-quick used Warren:\n" + up.output());
            OptionalLong pid = Impl.WARREN.pid(a.ns, iface);
            assertTrue(pid.isPresent(), "a Warren daemon serves " + iface);
            assertTrue(Impl.socketAnswers(iface), "UAPI socket of " + iface);

            String link = pair.lab.exec(a.ns, "ip", "link", "show", iface);
            assertTrue(link.contains("mtu 1380") && link.contains("UP"), "MTU and state set by wg-quick: " + link);
            String addrs = pair.lab.exec(a.ns, "ip", "addr", "show", iface);
            assertTrue(addrs.contains(a.tun4 + "/24") && addrs.contains(a.tun6 + "/64"), "addresses: " + addrs);
            assertEquals(String.valueOf(WgPair.PORT), pair.lab.exec(a.ns, "wg", "show", iface, "listen-port").strip());

            assertTrue(pair.lab.tryExec(a.ns, Duration.ofSeconds(15), "ping", "-n", "-q", "-c", "3", "-i", "0.2",
                    "-w", "10", b.tun4).ok(), "ping over IPv4 from the wg-quick interface");
            assertTrue(pair.lab.tryExec(a.ns, Duration.ofSeconds(10), "ping", "-n", "-q", "-c", "3", "-i", "0.2",
                    "-w", "5", b.tun6).ok(), "ping over IPv6 from the wg-quick interface");
            assertTrue(b.ping(a.tun4, 3, Duration.ofSeconds(5)), "ping back from wireguard-go");
            assertTrue(Long.parseLong(pair.lab.exec(a.ns, "wg", "show", iface, "latest-handshakes").split("\t")[1]
                    .strip()) > 0, "handshake recorded");

            Netns.Result down = pair.lab.tryExec(a.ns, Duration.ofSeconds(30), "wg-quick", "down", conf.toString());
            assertTrue(down.ok(), "wg-quick down:\n" + down.output());
            assertFalse(pair.lab.tryExec(a.ns, Duration.ofSeconds(5), "ip", "link", "show", iface).ok(),
                    "the link is gone");
            assertTrue(LabEnv.eventually(Duration.ofSeconds(10), () -> !Impl.alive(pid.getAsLong())),
                    "the Warren daemon exits after wg-quick down");
            assertFalse(Files.exists(Impl.socket(iface)), "its UAPI socket is removed");
        }
    }
}
