package dev.warren.lab;

import dev.warren.testing.lab.Netns;
import dev.warren.testing.nat.NatKind;
import dev.warren.testing.nat.NatLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.warren.lab.NatProbe.askTcp;
import static dev.warren.lab.NatProbe.askUdp;
import static dev.warren.lab.NatProbe.ip;
import static dev.warren.lab.NatProbe.port;
import static dev.warren.lab.NatProbe.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NAT lab itself ({@link NatLab}): each router kind behaves as its name says, measured from outside with a
 * probe that reports the source address a server saw. These are the lab's facts that the Warren NAT-traversal
 * tests and the NAT benchmark rely on (docs/natlab.md). Two servers on the internet, {@code s1} and {@code s2},
 * run UDP echoes on port 7000; hosts ask them from one local port.
 */
@Tag("lab")
class NatLabLabTest {
    private static final String S1 = "203.0.113.1:7000";
    private static final String S2 = "203.0.113.2:7000";

    private static NatLab twoServers(NatLab.Builder b) throws Exception {
        NatLab lab = b.server("s1").server("s2").build();
        try {
            serve(lab, "s1", false, 7000);
            serve(lab, "s2", false, 7000);
            return lab;
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
    }

    @Test
    void easyKeepsOneOutsidePortForEveryDestinationAndPreservesIt() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.EASY).host("a", "r").host("b", "r"))) {
            String wan = lab.router("r").wanAddress();
            Map<String, String> a = askUdp(lab, "a", 4000, S1, S2);
            assertEquals(wan + ":4000", a.get(S1), "EASY preserves the inside port: " + a);
            assertEquals(a.get(S1), a.get(S2), "EASY maps one inside port to one outside port: " + a);
            // a second host on the same inside port cannot keep it, but its mapping is still endpoint-independent
            Map<String, String> b = askUdp(lab, "b", 4000, S1, S2);
            assertNotEquals(a.get(S1), b.get(S1), "two hosts got one outside port: " + b);
            assertEquals(b.get(S1), b.get(S2), "second host's mapping depends on the destination: " + b);
            assertEquals(wan, ip(b.get(S1)));
        }
    }

    @Test
    void hardGivesEveryDestinationItsOwnRandomPort() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.HARD).host("a", "r"))) {
            String wan = lab.router("r").wanAddress();
            Map<String, String> a = askUdp(lab, "a", 4000, S1, S2);
            assertEquals(wan, ip(a.get(S1)), "HARD NATs to its WAN address: " + a);
            assertEquals(wan, ip(a.get(S2)), "HARD NATs to its WAN address: " + a);
            assertNotEquals(port(a.get(S1)), port(a.get(S2)), "HARD maps per destination: " + a);
            assertFalse(port(a.get(S1)) == 4000 && port(a.get(S2)) == 4000, "HARD preserved the port: " + a);
            // the mapping holds for the flow: asking s1 again from the same socket keeps s1's port
            Map<String, String> again = askUdp(lab, "a", 4000, S1);
            assertEquals(a.get(S1), again.get(S1), "HARD changed a live flow's mapping");
        }
    }

    @Test
    void udpBlockedDropsUdpButPassesTcp() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.UDP_BLOCKED).host("a", "r"))) {
            serve(lab, "s1", true, 7100);
            assertEquals("-", askUdp(lab, "a", 4000, S1).get(S1), "UDP passed a UDP-blocking router");
            String seen = askTcp(lab, "a", "203.0.113.1:7100");
            assertEquals(lab.router("r").wanAddress(), ip(seen), "TCP through the UDP-blocking router: " + seen);
        }
    }

    @Test
    void routersFilterUnsolicitedInboundAndNoneDoesNot() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.EASY).host("a", "r")
                .router("p", NatKind.NONE).host("b", "p"))) {
            serve(lab, "b", false, 5000);
            NatProbe.punch(lab, "a", 5100, "203.0.113.1:7999");
            // a NATed host is not reachable by its private address although the internet routes it to the router
            String a = lab.host("a").address() + ":5100";
            assertEquals("-", askUdp(lab, "s2", 4000, a).get(a), "unsolicited inbound reached a NATed host");
            // its mapping lets in only the address and port it sent to (address-and-port-dependent filtering)
            String mapped = lab.router("r").wanAddress() + ":5100";
            assertEquals("203.0.113.1:7999", askUdp(lab, "s1", 7999, mapped).get(mapped),
                    "the punched address and port are let in");
            assertEquals("-", askUdp(lab, "s1", 4001, mapped).get(mapped), "another port of the same server got in");
            assertEquals("-", askUdp(lab, "s2", 7999, mapped).get(mapped), "a stranger got in");
            // NONE: the host is public, with its own address
            String b = lab.host("b").address() + ":5000";
            assertEquals("203.0.113.2:4000", askUdp(lab, "s2", 4000, b).get(b), "NONE host unreachable");
            assertEquals(lab.host("b").address() + ":4000", askUdp(lab, "b", 4000, S1).get(S1), "NONE rewrote");
        }
    }

    @Test
    void aPunchThatArrivesFirstDoesNotSpoilTheOtherSidesMapping() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r1", NatKind.EASY).router("r2", NatKind.EASY)
                .host("a", "r1").host("b", "r2"))) {
            String wanA = lab.router("r1").wanAddress();
            String wanB = lab.router("r2").wanAddress();
            // a punches first: r2 drops it (nobody behind r2 has sent to a yet) ...
            NatProbe.punch(lab, "a", 4242, wanB + ":4242");
            // ... and b's own packet to a still leaves from port 4242, so it matches a's hole and gets in
            String toA = wanA + ":4242";
            assertEquals(wanB + ":4242", askUdp(lab, "b", 4242, toA).get(toA),
                    "simultaneous open between two EASY routers failed");
        }
    }

    @Test
    void upnpAndNatPmpMapPortsThatTheInternetReaches() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.UPNP).host("a", "r"))) {
            NatLab.Router r = lab.router("r");
            String host = lab.host("a").address();
            serve(lab, "a", false, 6000);
            serve(lab, "a", false, 6001);
            // UPnP IGD (miniupnpc, with the description URL: SSDP discovery is not needed)
            Netns.Result upnp = lab.exec("a", Duration.ofSeconds(30), "upnpc", "-u",
                    "http://" + r.lanGateway() + ":" + NatLab.UPNP_HTTP_PORT + "/rootDesc.xml",
                    "-a", host, "6000", "6000", "UDP");
            assertTrue(upnp.ok() && upnp.output().contains("is redirected to internal " + host + ":6000"),
                    upnp.output());
            assertTrue(upnp.output().contains("ExternalIPAddress = " + r.wanAddress()), upnp.output());
            String viaUpnp = r.wanAddress() + ":6000";
            assertEquals("203.0.113.1:4000", askUdp(lab, "s1", 4000, viaUpnp).get(viaUpnp),
                    "the UPnP mapping did not reach the host");
            // NAT-PMP
            Netns.Result pmp = lab.exec("a", Duration.ofSeconds(30), "natpmpc", "-g", r.lanGateway(),
                    "-a", "6001", "6001", "udp", "120");
            assertTrue(pmp.ok() && pmp.output().contains("Mapped public port 6001 protocol UDP to local port 6001"),
                    pmp.output());
            String viaPmp = r.wanAddress() + ":6001";
            assertEquals("203.0.113.2:4000", askUdp(lab, "s2", 4000, viaPmp).get(viaPmp),
                    "the NAT-PMP mapping did not reach the host");
            // a UPNP router maps like EASY otherwise
            Map<String, String> m = askUdp(lab, "a", 4100, S1, S2);
            assertEquals(r.wanAddress() + ":4100", m.get(S1));
            assertEquals(m.get(S1), m.get(S2));
        }
    }

    @Test
    void hardUpnpMapsPerDestinationButHonoursPortMappings() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.HARD_UPNP).host("a", "r"))) {
            NatLab.Router r = lab.router("r");
            Map<String, String> m = askUdp(lab, "a", 4100, S1, S2);
            assertNotEquals(m.get(S1), m.get(S2), "HARD_UPNP maps per destination: " + m);
            serve(lab, "a", false, 6001);
            Netns.Result pmp = lab.exec("a", Duration.ofSeconds(30), "natpmpc", "-g", r.lanGateway(),
                    "-a", "6001", "6001", "udp", "120");
            assertTrue(pmp.ok() && pmp.output().contains("Mapped public port 6001 protocol UDP to local port 6001"),
                    pmp.output());
            String viaPmp = r.wanAddress() + ":6001";
            assertEquals("203.0.113.2:4000", askUdp(lab, "s2", 4000, viaPmp).get(viaPmp),
                    "the NAT-PMP mapping did not reach the host behind a HARD_UPNP router");
        }
    }

    @Test
    void changeKindSwapsTheBehaviourAndFlushesMappings() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.HARD).host("a", "r"))) {
            Map<String, String> hard = askUdp(lab, "a", 4000, S1, S2);
            assertNotEquals(hard.get(S1), hard.get(S2), "HARD at first: " + hard);
            lab.changeKind("r", NatKind.EASY);
            assertEquals(NatKind.EASY, lab.router("r").kind());
            // the same socket's flows are mapped afresh (conntrack flushed): now port-preserving and independent
            Map<String, String> easy = askUdp(lab, "a", 4000, S1, S2);
            assertEquals(lab.router("r").wanAddress() + ":4000", easy.get(S1), "EASY after the change: " + easy);
            assertEquals(easy.get(S1), easy.get(S2), "EASY after the change: " + easy);
            lab.changeKind("r", NatKind.UDP_BLOCKED);
            assertEquals("-", askUdp(lab, "a", 4000, S1).get(S1), "UDP after the change to UDP_BLOCKED");
            lab.changeKind("r", NatKind.UPNP);
            NatLab.Router r = lab.router("r");
            Netns.Result pmp = lab.exec("a", Duration.ofSeconds(30), "natpmpc", "-g", r.lanGateway(),
                    "-a", "6001", "6001", "udp", "120");
            assertTrue(pmp.ok() && pmp.output().contains("Mapped public port 6001"), pmp.output());
            lab.changeKind("r", NatKind.HARD);
            Netns.Result gone = lab.exec("a", Duration.ofSeconds(5), "natpmpc", "-g", r.lanGateway());
            assertFalse(gone.output().contains("Public IP address : " + r.wanAddress()),
                    "NAT-PMP still answers after UPNP → HARD: " + gone.output());
        }
    }

    @Test
    void moveHostChangesItsNetworkAndOutsideAddress() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r1", NatKind.EASY).router("r2", NatKind.EASY)
                .host("a", "r1"))) {
            assertEquals(lab.router("r1").wanAddress(), ip(askUdp(lab, "a", 4000, S1).get(S1)));
            String before = lab.host("a").address();
            NatLab.Host moved = lab.moveHost("a", "r2");
            assertEquals("r2", moved.router());
            assertTrue(moved.address().startsWith("10." + lab.router("r2").index() + ".0."), moved.address());
            assertNotEquals(before, moved.address());
            assertEquals(lab.router("r2").wanAddress(), ip(askUdp(lab, "a", 4000, S1).get(S1)),
                    "the moved host's outside address");
            lab.setLink("a", false);
            assertEquals("-", askUdp(lab, "a", 4000, S1).get(S1), "traffic with the link down");
            lab.setLink("a", true);
            assertEquals(lab.router("r2").wanAddress() + ":4000", askUdp(lab, "a", 4000, S1).get(S1),
                    "traffic after the link came back");
        }
    }

    @Test
    void twoHostsBehindOneRouterReachEachOtherOnTheLanButNotByHairpin() throws Exception {
        NatProbe.requireNatLab();
        try (NatLab lab = twoServers(NatProbe.lab().router("r", NatKind.EASY).host("a", "r").host("b", "r"))) {
            // a's public mapping exists (it punched toward s1) ...
            NatProbe.punch(lab, "a", 5100, "203.0.113.1:7999");
            String lan = lab.host("a").address() + ":5100";
            assertEquals(lab.host("b").address() + ":4000", askUdp(lab, "b", 4000, lan).get(lan),
                    "LAN neighbours reach each other directly");
            // ... but the kernel's NAT does not hairpin to it through the router's public address
            String hairpin = lab.router("r").wanAddress() + ":5100";
            assertEquals("-", askUdp(lab, "b", 4001, hairpin).get(hairpin),
                    "hairpin through the router's public address works now: update docs/natlab.md");
        }
    }

    @Test
    void closeRemovesEveryNamespaceAndOwnerRecordAndBadTopologiesAreRefused() throws Exception {
        NatProbe.requireNatLab();
        NatLab lab = NatProbe.lab().server("s1").router("r", NatKind.UPNP).host("a", "r").build();
        List<String> names = List.of(lab.namespace("inet"), lab.namespace("s1"), lab.namespace("r"),
                lab.namespace("a"));
        for (String ns : names) {
            assertTrue(NatProbe.exists(ns), ns);
            assertTrue(Files.exists(Netns.OWNERS.resolve(ns)), "owner record of " + ns);
        }
        lab.spawn("a", "sleeper", "sleep", "600");
        lab.close();
        for (String ns : names) {
            assertFalse(NatProbe.exists(ns), ns + " left behind");
            assertFalse(Files.exists(Netns.OWNERS.resolve(ns)), "owner record of " + ns + " left behind");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NatProbe.lab().router("r", NatKind.EASY).host("a", "nosuch").build());
        assertTrue(e.getMessage().contains("'nosuch'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NatProbe.lab().server("Bad_Name").build());
        assertTrue(e.getMessage().contains("Bad_Name"), e.getMessage());
    }
}
