package dev.warren.policy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tests} section: symbolic evaluation, failure positions and messages. */
class PolicyTestsTest {
    private static final String BASE = """
            {
              "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
              "hosts": {"db-net": "10.1.0.0/16", "printer": "10.1.2.3"},
              "tagOwners": {"tag:db": ["group:eng"], "tag:web": ["group:eng"]},
              "acls": [
                {"action": "accept", "src": ["group:eng"], "proto": "tcp", "dst": ["tag:db:5432", "db-net:22"]},
                {"action": "accept", "src": ["alice@example.com"], "dst": ["tag:web:80,443"]},
                {"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
                {"action": "accept", "src": ["tag:web"], "proto": "udp", "dst": ["tag:db:8000-8100"]},
                {"action": "accept", "src": ["10.9.0.0/16"], "dst": ["printer:631"]},
              ],
            """;

    private static PolicyTests.TestReport run(String tests) throws PolicyException {
        return PolicyTests.run(Policy.parse("p.hujson", BASE + "  \"tests\": [\n" + tests + "  ],\n}\n"));
    }

    @Test
    void passingTests() throws PolicyException {
        PolicyTests.TestReport r = run("""
                    {"src": "alice@example.com", "accept": ["tag:db:5432", "tag:web:443", "alice@example.com:22", "10.1.9.9:22"],
                     "deny": ["tag:db:22", "bob@example.com:22", "tag:web:22"]},
                    {"src": "group:eng", "proto": "tcp", "accept": ["tag:db:5432", "printer:22"], "deny": ["tag:web:8080"]},
                    {"src": "tag:web", "proto": "udp", "accept": ["tag:db:8050"], "deny": ["tag:db:5432"]},
                    {"src": "tag:web", "deny": ["tag:db:8050"]},
                    {"src": "10.9.1.1", "accept": ["printer:631"], "deny": ["printer:22", "tag:db:5432"]},
                """);
        assertTrue(r.passed(), r.failures().toString());
    }

    @Test
    void failuresNameTheTestEntryAndPosition() throws PolicyException {
        PolicyTests.TestReport r = run("""
                    {"src": "bob@example.com", "accept": ["tag:web:443"], "deny": ["tag:db:5432"]},
                """);
        assertFalse(r.passed());
        List<PolicyTests.TestFailure> f = r.failures();
        assertEquals(2, f.size(), f.toString());
        assertEquals("tests[0]: bob@example.com -> tag:web:443 (tcp) should be accepted but is denied: no rule allows it",
                f.get(0).message());
        assertEquals(13, f.get(0).line());
        assertEquals(43, f.get(0).column());
        assertEquals("tests[0]: bob@example.com -> tag:db:5432 (tcp) should be denied but acls[0] allows it",
                f.get(1).message());
        assertEquals("p.hujson:13:68: " + f.get(1).message(), f.get(1).format());
    }

    @Test
    void groupSourcesRequireEveryMember() throws PolicyException {
        PolicyTests.TestReport r = run("""
                    {"src": "group:eng", "accept": ["tag:web:443"]},
                """);
        assertEquals(1, r.failures().size());
        assertTrue(r.failures().getFirst().message().contains("bob@example.com (of group:eng)"), r.failures().toString());
    }

    @Test
    void protocolsAreChecked() throws PolicyException {
        assertFalse(run("""
                    {"src": "alice@example.com", "proto": "udp", "accept": ["tag:db:5432"]},
                """).passed());
        assertTrue(run("""
                    {"src": "alice@example.com", "proto": "icmp", "accept": ["tag:web:0"]},
                """).passed());
    }

    @Test
    void describeListsEachTest() throws PolicyException {
        Policy p = Policy.parse("p.hujson", BASE + """
                  "tests": [
                    {"src": "alice@example.com", "accept": ["tag:web:443"]},
                    {"src": "bob@example.com", "accept": ["tag:web:443"], "deny": ["tag:web:22"]},
                  ],
                }
                """);
        assertEquals(List.of("PASS tests[0] alice@example.com: 1/1 expectations hold",
                "FAIL tests[1] bob@example.com: 1/2 expectations hold"), PolicyTests.describe(p));
    }

    @Test
    void aPolicyWithoutTestsPasses() {
        assertTrue(PolicyTests.run(Policy.allowAll()).passed());
    }
}
