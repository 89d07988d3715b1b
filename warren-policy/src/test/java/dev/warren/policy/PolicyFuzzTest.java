package dev.warren.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.policy.internal.HuJson;
import dev.warren.wire.net.IpPrefix;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the HuJSON parser and {@link Policy#parse} with arbitrary text. In a normal build these run the seeds in
 * {@code src/test/resources/dev/warren/policy/PolicyFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} they fuzz.
 */
class PolicyFuzzTest {
    private static final List<PolicyNode> NODES = List.of(
            new PolicyNode(1, "a", "alice@example.com", List.of(), List.of(IpPrefix.parse("100.64.0.1/32"))),
            new PolicyNode(2, "b", "bob@example.com", List.of("tag:server"),
                    List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("fd7a:115c:a1e0::2/128"))),
            new PolicyNode(3, "c", "carol@example.com", List.of(), List.of(IpPrefix.parse("fd7a:115c:a1e0::3/128"))));

    /** The parser throws nothing but SyntaxException, whose position lies inside the text. */
    @FuzzTest(maxDuration = "30s")
    void huJsonThrowsOnlySyntaxErrorsWithPositions(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            HuJson.parse(text);
        } catch (HuJson.SyntaxException e) {
            assertPosition(text, e.line(), e.column());
        }
    }

    /**
     * Policy.parse throws only PolicyException with at least one positioned error; an accepted policy compiles,
     * runs its tests and traces without throwing anything else.
     */
    @FuzzTest(maxDuration = "30s")
    void policyParseRejectsOrCompiles(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Policy p;
        try {
            p = Policy.parse("fuzz.hujson", text);
        } catch (PolicyException e) {
            assertFalse(e.errors().isEmpty());
            for (PolicyError err : e.errors()) {
                assertPosition(text, err.line(), err.column());
                assertTrue(err.format().startsWith("fuzz.hujson:"));
            }
            return;
        }
        CompiledPolicy c = PolicyCompiler.compile(p, NODES);
        PolicyTests.run(p);
        for (PolicyNode n : NODES) {
            c.filterFor(n.id());
            c.peersOf(n.id());
        }
        CompiledPolicy.Update u = c.update(List.of(new PolicyNode(4, "d", "alice@example.com", List.of(),
                List.of(IpPrefix.parse("100.64.0.4/32")))), List.of(1L));
        assertTrue(u.next().filterFor(1).isEmpty());
        try {
            PolicyTracer.trace(c, NODES, "a", "b", 22, null);
        } catch (PolicyException e) {
            throw new AssertionError("tracing known nodes failed: " + e.getMessage(), e);
        }
    }

    private static void assertPosition(String text, int line, int column) {
        long lines = text.chars().filter(ch -> ch == '\n').count() + 1;
        assertTrue(line >= 1 && line <= lines, "line " + line + " of " + lines);
        assertTrue(column >= 1 && column <= text.length() + 1, "column " + column);
    }
}
