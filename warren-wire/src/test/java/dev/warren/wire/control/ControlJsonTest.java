package dev.warren.wire.control;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlJsonTest {
    private static PublicKey key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return PublicKey.of(k);
    }

    @Test
    void everyMessageRoundTrips() throws Exception {
        NodeKey nk = NodeKey.of(key(1));
        Node n = new Node(7, "laptop", "alice", nk, Instant.parse("2027-06-01T00:00:00Z"), MachineKey.of(key(2)),
                List.of(IpPrefix.parse("100.64.0.7/32"), IpPrefix.parse("fd7a:115c:a1e0::7/128")),
                List.of(IpPrefix.parse("100.64.0.7/32")), List.of("10.0.0.1:41641"),
                new Hostinfo("laptop", "linux", "0.1"), Instant.parse("2026-12-01T00:00:00Z"), null, true, true,
                false, false, List.of("tag:a"));
        List<ControlMessage> all = List.of(
                new RegisterRequest(1, nk, null, "wak_x", new Hostinfo("h", "linux", "0.1"), false, null, null),
                new RegisterResponse("alice", "home", true, false, null, null),
                new MapRequest(1, nk, true, null, List.of("10.0.0.1:1"), "s1", 4),
                MapResponse.full("s1", 1, n, List.of(n), new ControlSettings("home", 50, 0), Instant.EPOCH),
                new MapResponse("s1", 2, false, null, null, List.of(n), List.of(3L),
                        List.of(new PeerPatch(7, List.of("1.2.3.4:5"), false, null, null, null)), null, Instant.EPOCH),
                new UpdateRequest(List.of("[fd00::1]:41641"), null),
                new ErrorMessage(401, "unknown_node", "node key is not registered"));
        for (ControlMessage m : all) {
            assertEquals(m, ControlJson.decode(ControlJson.encode(m)), m.getClass().getSimpleName());
        }
        String text = new String(ControlJson.encode(all.getFirst()), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"type\":\"register\""), text);
        assertTrue(text.contains("\"nodeKey\":\"nodekey:0101"), text);
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        ControlMessage m = ControlJson.decode("""
                {"type":"update","endpoints":["1.2.3.4:5"],"futureField":{"x":1}}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(new UpdateRequest(List.of("1.2.3.4:5"), null), m);
    }

    @Test
    void badInputNamesTheProblem() {
        var e = assertThrows(MalformedMessageException.class, () -> ControlJson.decode("""
                {"type":"map","version":1,"nodeKey":"nodekey:zz","stream":true,"lastSeq":0}""".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("nodeKey"), e.getMessage());
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("{\"type\":\"nope\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("[".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("null".getBytes(StandardCharsets.UTF_8)));
    }
}
