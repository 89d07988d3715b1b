package dev.warren.policy;

import dev.warren.policy.internal.Model;
import dev.warren.wire.filter.FilterRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Validation: what parses, and every kind of error with its line, column, offending value and hint. */
class PolicyParseTest {
    static final String HEAD = """
            {
              "groups": {"group:engineering": ["alice@example.com", "bob@example.com"], "group:ops": ["carol@example.com"]},
              "hosts": {"db-net": "10.1.0.0/16", "web": "100.101.102.103", "v6": "fd7a:115c:a1e0::/48"},
              "tagOwners": {"tag:server": ["group:engineering"], "tag:ci": ["tag:server", "autogroup:admin"]},
            """;

    private static PolicyError onlyError(String text) {
        PolicyException e = assertThrows(PolicyException.class, () -> Policy.parse("policy.hujson", text));
        assertEquals(1, e.errors().size(), e.getMessage());
        return e.errors().getFirst();
    }

    @Test
    void allowAllIsValidAndAllowsEverything() {
        Policy p = Policy.allowAll();
        assertEquals("allow-all", p.fileName());
        assertEquals(Policy.ALLOW_ALL_TEXT, p.text());
        assertTrue(p.text().contains("//"), "commented");
        List<Model.Rule> rules = p.model().rules();
        assertEquals(1, rules.size());
        assertEquals("*", rules.getFirst().srcs().getFirst().text());
        assertEquals(Model.Ports.ALL, rules.getFirst().dsts().getFirst().ports().getFirst());
    }

    @Test
    void realisticPolicyParses() throws PolicyException {
        Policy p = Policy.parse("policy.hujson", HEAD + """
                  "autoApprovers": {"routes": {"10.1.0.0/16": ["group:ops", "tag:server"]}, "exitNode": ["tag:ci"]},
                  "acls": [
                    {"action": "accept", "src": ["group:engineering", "tag:ci"], "proto": "tcp",
                     "dst": ["tag:server:22,443", "db-net:5432", "web:80,8000-8100", "[fd7a:115c:a1e0::1]:22",
                             "v6:*", "fd7a:115c:a1e0::/64:443", "autogroup:internet:*"]},
                    {"action": "accept", "users": ["autogroup:member"], "ports": ["autogroup:self:*"]},
                    {"action": "accept", "src": ["autogroup:danger-all"], "proto": 17, "dst": ["tag:server:53"]},
                    {"action": "accept", "src": ["alice@"], "proto": "icmp", "dst": ["*:*"]},
                  ],
                  "grants": [
                    {"src": ["group:ops"], "dst": ["tag:server"], "ip": ["tcp:5432", "icmp:*", "udp:53", "8080"]},
                    {"src": ["autogroup:member"], "dst": ["tag:server"], "app": {"example.com/cap/x": [{}]}},
                  ],
                  "ssh": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:server"], "users": ["root"]}],
                  "nodeAttrs": [],
                  "tests": [{"src": "alice@example.com", "accept": ["tag:server:22"], "deny": ["tag:server:23"]}],
                }
                """);
        assertEquals(4, p.aclCount());
        assertEquals(2, p.grantCount());
        assertEquals(1, p.testCount());
        List<Model.Rule> rules = p.model().rules();
        // acls[1] has only self destinations; grants[0] splits into one rule per protocol group
        assertEquals(List.of("acls[0]", "acls[1]", "acls[2]", "acls[3]", "grants[0]", "grants[0]", "grants[0]",
                "grants[0]"), rules.stream().map(Model.Rule::origin).toList());
        assertTrue(rules.get(1).self());
        assertEquals(List.of(FilterRule.ICMP, FilterRule.ICMPV6), rules.get(3).protocols());
        assertEquals(List.of(FilterRule.UDP), rules.get(2).protocols());
        assertEquals(List.of(FilterRule.TCP), rules.get(4).protocols());
        assertEquals(List.of(), rules.get(7).protocols());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // acl | offending text (its position is expected) | message part | hint part (or empty)
            "`{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"*:*\"]}`|\"group:eng|group:eng is not defined"
                    + "|did you mean group:engineering?",
            "`{\"action\": \"accept\", \"src\": [\"tag:sever\"], \"dst\": [\"*:*\"]}`|\"tag:sever|tag:sever is not defined in tagOwners"
                    + "|did you mean tag:server?",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"wbe:80\"]}`|\"wbe|\"wbe\" is not a host|did you mean web?",
            "`{\"action\": \"deny\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}`|\"deny|action \"deny\" is not \"accept\"|policies only allow",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:server\"]}`|\"tag:server|has no port|tag:server:*",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:server:70000\"]}`|\"tag:server:7|bad port \"70000\"|ports are",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:server:90-80\"]}`|\"tag:server:9|port range 90-80 is backwards|80-90",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"proto\": \"tpc\", \"dst\": [\"*:*\"]}`|\"tpc|unknown protocol \"tpc\""
                    + "|did you mean tcp?",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"proto\": \"icmp\", \"dst\": [\"*:22\"]}`|\"*:22|has ports but the rule's protocol has none|*:*",
            "`{\"action\": \"accept\", \"source\": [\"*\"], \"dst\": [\"*:*\"]}`|\"source|unknown field \"source\"|did you mean src?",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"autogroup:self:*\"]}`|\"autogroup:self|autogroup:self cannot be used with source *"
                    + "|users, groups or autogroup:member",
            "`{\"action\": \"accept\", \"src\": [\"autogroup:self\"], \"dst\": [\"*:*\"]}`|\"autogroup:self|autogroup:self cannot be a source|dst",
            "`{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"autogroup:danger-all:*\"]}`|\"autogroup:danger|autogroup:danger-all cannot be a destination"
                    + "|use *",
            "`{\"action\": \"accept\", \"src\": [\"autogroup:membr\"], \"dst\": [\"*:*\"]}`|\"autogroup:membr|autogroup:membr is not supported"
                    + "|did you mean autogroup:member?",
            "`{\"action\": \"accept\", \"src\": [\"10.0.0.300\"], \"dst\": [\"*:*\"]}`|\"10.0.0.300|\"10.0.0.300\" is not a valid IP|",
            "`{\"action\": \"accept\", \"src\": [\"alice\"], \"dst\": [\"*:*\"]}`|\"alice|\"alice\" is not a host defined in hosts|",
            "`{\"action\": \"accept\", \"src\": [], \"dst\": [\"*:*\"]}`|[]|\"src\" is empty|",
            "`{\"action\": \"accept\", \"dst\": [\"*:*\"]}`|{|missing \"src\"|",
            "`{\"action\": \"accept\", \"src\": \"*\", \"dst\": [\"*:*\"]}`|\"*\"|must be an array of strings|",
    })
    void aclErrorsNameTheValueWithAHint(String acl, String offending, String message, String hint) {
        PolicyError e = onlyError(HEAD + "  \"acls\": [\n    " + acl + ",\n  ],\n}\n");
        assertTrue(e.message().contains(message), e.format());
        assertEquals(6, e.line(), e.format());
        assertEquals(5 + acl.indexOf(offending), e.column(), e.format());
        assertEquals("policy.hujson", e.file());
        if (hint == null) {
            return;
        }
        assertTrue(e.hint() != null && e.hint().contains(hint), e.format());
    }

    @Test
    void formatIsFileLineColumnMessageHint() {
        PolicyError e = onlyError(HEAD + "  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"group:eng\"], "
                + "\"dst\": [\"*:*\"]},\n  ],\n}\n");
        assertEquals("policy.hujson:6:34: group:eng is not defined (did you mean group:engineering?)", e.format());
    }

    @Test
    void unknownSectionsAreErrorsWithTypoHints() {
        PolicyError e = onlyError("{\n  \"acl\": [],\n}");
        assertEquals("unknown section \"acl\"", e.message());
        assertEquals("did you mean acls?", e.hint());
        assertEquals(2, e.line());
        assertEquals(3, e.column());
        assertEquals("did you mean tagOwners?", onlyError("{\"tagowners\": {}}").hint());
        assertNull(onlyError("{\"zzzzzzzzzz\": {}}").hint());
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() {
        PolicyException e = assertThrows(PolicyException.class, () -> Policy.parse("p.hujson", """
                {
                  "groups": {"group:a": ["group:b"]},
                  "acls": [
                    {"action": "accept", "src": ["group:x"], "dst": ["tag:y:22"]},
                  ],
                }
                """));
        assertEquals(3, e.errors().size(), e.getMessage());
        assertEquals(3, e.getMessage().lines().count());
        assertTrue(e.errors().get(0).message().contains("contains group group:b"));
        assertTrue(e.errors().get(1).message().contains("group:x is not defined"));
        assertTrue(e.errors().get(2).message().contains("tag:y is not defined"));
    }

    @Test
    void sectionErrors() {
        assertTrue(onlyError("{\"hosts\": {\"db\": \"10.0.0.0/33\"}}").message().contains("not an IP address or CIDR"));
        assertTrue(onlyError("{\"hosts\": {\"10.0.0.1\": \"10.0.0.1\"}}").message().contains("bad host name"));
        assertTrue(onlyError("{\"groups\": {\"eng\": [\"a@b\"]}}").hint().contains("group:engineering"));
        assertTrue(onlyError("{\"groups\": {\"group:a\": [\"bob\"]}}").message().contains("is not a user login"));
        assertTrue(onlyError("{\"tagOwners\": {\"tag:a\": [\"group:nope\"]}}").message()
                .contains("group:nope is not defined"));
        assertTrue(onlyError("{\"autoApprovers\": {\"routes\": {\"10.0.0.0/8\": [\"tag:x\"]}}}").message()
                .contains("tag:x is not defined"));
        assertTrue(onlyError("{\"acls\": {}}").message().contains("must be an array"));
        assertTrue(onlyError("[]").message().contains("must be a JSON object"));
        PolicyError syntax = onlyError("{\n  \"acls\": [\n    {\"action\": \"accept\",,}\n  ]\n}");
        assertEquals(3, syntax.line());
        assertEquals(25, syntax.column());
    }

    @Test
    void grantErrors() {
        String head = HEAD + "  \"grants\": [\n    ";
        assertTrue(onlyError(head + "{\"src\": [\"*\"], \"dst\": [\"tag:server:22\"], \"ip\": [\"*\"]}]}").hint()
                .contains("grants put ports in \"ip\""));
        assertTrue(onlyError(head + "{\"src\": [\"*\"], \"dst\": [\"tag:server\"], \"ip\": [\"icmp:22\"]}]}").message()
                .contains("protocol icmp has no ports"));
        assertTrue(onlyError(head + "{\"src\": [\"*\"], \"dst\": [\"tag:server\"]}]}").message()
                .contains("needs \"ip\" or \"app\""));
        assertTrue(onlyError(head + "{\"src\": [\"*\"], \"dst\": [\"10.0.0.0/8\"], \"ip\": [\"*\"], "
                + "\"via\": [\"tag:server\"]}]}").message().contains("\"via\" is not supported"));
        assertTrue(onlyError(head + "{\"src\": [\"*\"], \"dst\": [\"tag:server\"], \"ip\": [\"tcpp:22\"]}]}").hint()
                .contains("did you mean tcp?"));
    }

    @Test
    void testSectionErrors() {
        String head = HEAD + "  \"tests\": [\n    ";
        assertTrue(onlyError(head + "{\"src\": \"alice@example.com\", \"accept\": [\"tag:server:22-23\"]}]}")
                .message().contains("must name one port"));
        assertTrue(onlyError(head + "{\"src\": \"*\", \"accept\": [\"tag:server:22\"]}]}").message()
                .contains("\"*\" cannot be used in tests"));
        assertTrue(onlyError(head + "{\"src\": \"alice@example.com\"}]}").message()
                .contains("needs \"accept\" or \"deny\""));
        assertTrue(onlyError(head + "{\"src\": \"group:engneering\", \"deny\": [\"web:22\"]}]}").hint()
                .contains("group:engineering"));
    }
}
