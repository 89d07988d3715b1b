package dev.warren.policy;

import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyTracerTest {
    private static final List<PolicyNode> NODES = List.of(
            new PolicyNode(1, "laptop", "alice@example.com", List.of(),
                    List.of(IpPrefix.parse("100.64.0.1/32"), IpPrefix.parse("fd7a:115c:a1e0::1/128"))),
            new PolicyNode(2, "db1", "bob@example.com", List.of("tag:db"),
                    List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("fd7a:115c:a1e0::2/128"))),
            new PolicyNode(3, "web1", "bob@example.com", List.of("tag:web"), List.of(IpPrefix.parse("100.64.0.3/32"))));
    private static final String POLICY = """
            {
              "tagOwners": {"tag:db": [], "tag:web": []},
              "acls": [
                {"action": "accept", "src": ["alice@example.com"], "proto": "tcp", "dst": ["tag:db:5432"]},
                {"action": "accept", "src": ["tag:web"], "dst": ["tag:db:5432,6432"]},
                {"action": "accept", "src": ["alice@example.com"], "dst": ["tag:web:443"]},
              ],
            }
            """;

    private static CompiledPolicy compiled() throws PolicyException {
        return PolicyCompiler.compile(Policy.parse("p.hujson", POLICY), NODES);
    }

    @Test
    void allowedNamesTheDecidingRule() throws PolicyException {
        PolicyTracer.Trace t = PolicyTracer.trace(compiled(), NODES, "laptop", "db1", 5432, null);
        assertTrue(t.allowed());
        assertEquals("acls[0]", t.decidingRule());
        assertTrue(t.explanation().startsWith("allowed: acls[0] accepts 100.64.0.1 (laptop) -> 100.64.0.2 (db1) tcp port 5432"),
                t.explanation());
        // by user, by tag, by IP (IPv6 too)
        assertEquals("acls[1]", PolicyTracer.trace(compiled(), NODES, "tag:web", "100.64.0.2", 6432, "udp").decidingRule());
        assertTrue(PolicyTracer.trace(compiled(), NODES, "alice@example.com", "web1", 443, "6").allowed());
        assertTrue(PolicyTracer.trace(compiled(), NODES, "fd7a:115c:a1e0::1", "db1", 5432, "tcp").allowed());
    }

    @Test
    void deniedListsNearMissesWithReasons() throws PolicyException {
        PolicyTracer.Trace t = PolicyTracer.trace(compiled(), NODES, "laptop", "db1", 22, "tcp");
        assertFalse(t.allowed());
        assertNull(t.decidingRule());
        assertTrue(t.nearMisses().contains("acls[0]: port 22 is not in [5432]"), t.nearMisses().toString());
        assertTrue(t.nearMisses().contains(
                "acls[2]: names the source, but its destinations (tag:web:443) do not include db1"), t.nearMisses().toString());
        assertTrue(t.explanation().startsWith("denied: no rule in db1's filter"), t.explanation());

        PolicyTracer.Trace udp = PolicyTracer.trace(compiled(), NODES, "laptop", "db1", 5432, "udp");
        assertFalse(udp.allowed());
        assertTrue(udp.nearMisses().contains("acls[0]: protocol udp is not one of [tcp]"), udp.nearMisses().toString());

        PolicyTracer.Trace stranger = PolicyTracer.trace(compiled(), NODES, "8.8.8.8", "db1", 5432, null);
        assertFalse(stranger.allowed());
        assertTrue(stranger.nearMisses().getFirst().startsWith("acls[0]: source 8.8.8.8 is not in [100.64.0.1/32"),
                stranger.nearMisses().toString());
    }

    @Test
    void unknownNamesAreErrorsWithHints() throws PolicyException {
        PolicyException e = assertThrows(PolicyException.class,
                () -> PolicyTracer.trace(compiled(), NODES, "lapto", "db1", 22, null));
        assertEquals("did you mean laptop?", e.errors().getFirst().hint());
        e = assertThrows(PolicyException.class, () -> PolicyTracer.trace(compiled(), NODES, "laptop", "db2", 22, null));
        assertEquals("did you mean db1?", e.errors().getFirst().hint());
        e = assertThrows(PolicyException.class, () -> PolicyTracer.trace(compiled(), NODES, "laptop", "10.0.0.1", 22, null));
        assertTrue(e.getMessage().contains("no node has the address 10.0.0.1"));
        e = assertThrows(PolicyException.class, () -> PolicyTracer.trace(compiled(), NODES, "laptop", "db1", 22, "tpc"));
        assertEquals("did you mean tcp?", e.errors().getFirst().hint());
        e = assertThrows(PolicyException.class,
                () -> PolicyTracer.trace(compiled(), NODES, "100.64.0.3", "fd7a:115c:a1e0::2", 22, null));
        assertTrue(e.getMessage().contains("different IP families"), e.getMessage());
        e = assertThrows(PolicyException.class,
                () -> PolicyTracer.trace(compiled(), NODES, "web1", "fd7a:115c:a1e0::2", 22, null));
        assertTrue(e.getMessage().contains("web1 has no IPv6 address"), e.getMessage());
    }
}
