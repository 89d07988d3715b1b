package dev.warren.testing.nat;

import dev.warren.wire.stun.StunMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NAT lab's parts that need no root: kinds, rulesets, spec and state files, and the STUN responder's answer.
 * The lab itself is tested as root by {@code NatLabLabTest} in warren-lab.
 */
class NatLabSpecTest {
    private static final Path DIR = Path.of("/nonexistent/natlab");

    @Test
    void kindsParseByLabelAndRefuseUnknownNames() {
        for (NatKind k : NatKind.values()) {
            assertEquals(k, NatKind.parse(k.label()));
            assertEquals(k, NatKind.parse(k.name()));
        }
        assertEquals(NatKind.UDP_BLOCKED, NatKind.parse(" Udp-Blocked "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NatKind.parse("cone"));
        assertTrue(e.getMessage().contains("'cone'"), e.getMessage());
    }

    @Test
    void rulesetsDifferByKind() {
        String easy = NatLab.ruleset(NatKind.EASY);
        assertTrue(easy.contains("oifname \"wan\" masquerade\n"), easy);
        assertTrue(easy.contains("iifname \"wan\" drop"), easy);
        assertFalse(easy.contains("random"), easy);
        assertTrue(NatLab.ruleset(NatKind.HARD).contains("masquerade random"));
        assertTrue(NatLab.ruleset(NatKind.UDP_BLOCKED).contains("oifname \"wan\" meta l4proto udp drop"));
        String none = NatLab.ruleset(NatKind.NONE);
        assertFalse(none.contains("masquerade") || none.contains("drop\n"), none);
        String upnp = NatLab.ruleset(NatKind.UPNP);
        for (String chain : List.of("chain miniupnpd", "chain prerouting_miniupnpd", "chain postrouting_miniupnpd")) {
            assertTrue(upnp.contains(chain), chain);
        }
        // every ruleset replaces both tables, so a kind change leaves nothing of the old one
        for (NatKind k : NatKind.values()) {
            String r = NatLab.ruleset(k);
            assertTrue(r.startsWith("table ip natlab\ndelete table ip natlab\ntable inet natlab_upnp\n"
                    + "delete table inet natlab_upnp\n"), k + ": " + r);
        }
        assertFalse(NatLab.ruleset(NatKind.EASY).contains("table inet natlab_upnp {"));
    }

    @Test
    void aSpecFileBuildsTheBuilderAndABadLineIsNamed() {
        NatLabMain.readSpec("spec", List.of("# lab", "server lh", "", "router r1 easy  # home", "host a r1"),
                NatLab.builder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NatLabMain.readSpec(
                "my.spec", List.of("server lh", "router r1 cone"), NatLab.builder()));
        assertTrue(e.getMessage().startsWith("my.spec:2: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NatLabMain.readSpec(
                "my.spec", List.of("host a"), NatLab.builder()));
        assertTrue(e.getMessage().startsWith("my.spec:1: 'host' takes 2 field(s), got 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NatLabMain.readSpec(
                "my.spec", List.of("server", "x"), NatLab.builder()));
        assertTrue(e.getMessage().startsWith("my.spec:1: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NatLabMain.readSpec(
                "my.spec", List.of("server inet"), NatLab.builder()));
        assertTrue(e.getMessage().contains("'inet'"), e.getMessage());
    }

    @Test
    void builderRefusesBadTopologiesBeforeMakingAnything() {
        assertThrows(IllegalArgumentException.class, () -> NatLab.builder().prefix("wlab1"));
        assertThrows(IllegalArgumentException.class, () -> NatLab.builder().prefix("wnat-x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NatLab.builder().server("x").router("x", NatKind.EASY).build());
        assertTrue(e.getMessage().contains("'x' is used twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NatLab.builder().host("a", "r").build());
        assertTrue(e.getMessage().contains("router 'r'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NatLab.builder().server("toolongname").build());
        assertTrue(e.getMessage().contains("'toolongname'"), e.getMessage());
    }

    @Test
    void aStateFileRoundTripsIntoTheTopology() throws IOException {
        NatLab lab = NatLab.parseState(DIR, "state", List.of("# NAT lab state", "prefix wnat1a2b", "owner 42",
                "server lh 203.0.113.1", "router r1 1 hard 12", "router r2 2 upnp 10", "host a r1 10.1.0.11"));
        assertEquals("wnat1a2b", lab.prefix());
        assertEquals(new NatLab.Server("lh", "wnat1a2b-lh", "203.0.113.1"), lab.server("lh"));
        assertEquals(new NatLab.Router("r2", "wnat1a2b-r2", 2, "203.0.113.102", "10.2.0.1", "10.2.0.0/24",
                NatKind.UPNP), lab.router("r2"));
        assertEquals(new NatLab.Host("a", "wnat1a2b-a", "r1", "10.1.0.11"), lab.host("a"));
        assertEquals("wnat1a2b-inet", lab.namespace("inet"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lab.host("zz"));
        assertTrue(e.getMessage().contains("'zz'"), e.getMessage());
    }

    @Test
    void aBadStateFileIsRefusedNamingTheLine() {
        List<List<String>> bad = List.of(
                List.of("prefix wnat1", "owner 1", "router r1 0 easy 10"),
                List.of("prefix wnat1", "owner 1", "router r1 1 cone 10"),
                List.of("prefix wnat1", "owner x"),
                List.of("prefix wnat1", "owner 1", "server lh nowhere"),
                List.of("prefix wnat1", "owner 1", "server lh 203.0.113.1", "server lh 203.0.113.2"),
                List.of("prefix wlab1"),
                List.of("prefix wnat1", "owner 1", "bridge x"));
        for (List<String> lines : bad) {
            IOException e = assertThrows(IOException.class, () -> NatLab.parseState(DIR, "st", lines), lines::toString);
            assertTrue(e.getMessage().startsWith("st:" + lines.size() + ": "), e.getMessage());
        }
        IOException e = assertThrows(IOException.class,
                () -> NatLab.parseState(DIR, "st", List.of("prefix wnat1", "owner 1", "host a r9 10.1.0.10")));
        assertTrue(e.getMessage().contains("unknown router 'r9'"), e.getMessage());
        e = assertThrows(IOException.class, () -> NatLab.parseState(DIR, "st", List.of("owner 1")));
        assertTrue(e.getMessage().contains("'prefix'"), e.getMessage());
    }

    @Test
    void theStunResponderAnswersBindingRequestsWithTheirSourceAndNothingElse() throws Exception {
        InetSocketAddress from = new InetSocketAddress("203.0.113.104", 45036);
        byte[] txid = new byte[12];
        txid[0] = 7;
        // miniupnpd's request: a Binding request with a CHANGE-REQUEST attribute (type 3, value 0x00000006)
        ByteBuffer req = ByteBuffer.allocate(28);
        req.putShort((short) 1).putShort((short) 8).putInt(StunMessage.MAGIC_COOKIE).put(txid)
                .putShort((short) 3).putShort((short) 4).putInt(6).flip();
        byte[] reply = StunResponder.answer(req, from);
        StunMessage.BindingSuccess ok = assertInstanceOf(StunMessage.BindingSuccess.class,
                StunMessage.decode(ByteBuffer.wrap(reply)));
        assertEquals(from, ok.address());
        assertEquals(7, ok.transactionId()[0]);
        assertNull(StunResponder.answer(ByteBuffer.wrap(new byte[] {1, 2, 3}), from));
        byte[] success = new StunMessage.BindingSuccess(txid, from).encode();
        assertNull(StunResponder.answer(ByteBuffer.wrap(success), from), "a response is not answered");
    }
}
