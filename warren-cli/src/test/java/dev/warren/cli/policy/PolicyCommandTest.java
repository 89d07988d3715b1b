package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code warren policy check|test} on files: exit codes, stdout summary, stderr errors with positions. */
class PolicyCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PolicyCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static final String GOOD = """
            {
              "groups": {"group:eng": ["alice@example.com"]},
              "tagOwners": {"tag:db": ["group:eng"]},
              "acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432"]}],
              "tests": [
                {"src": "alice@example.com", "accept": ["tag:db:5432"], "deny": ["tag:db:22"]},
                {"src": "bob@example.com", "deny": ["tag:db:5432"]},
              ],
            }
            """;

    @Test
    void checkAcceptsAValidPolicy() throws Exception {
        Run r = run("check", write("good.hujson", GOOD).toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("ok: 1 acls, 2 tests passed\n", r.out().replace(System.lineSeparator(), "\n"));
        assertEquals("", r.err());
        assertEquals(0, run("check", write("allow.hujson", Policy.ALLOW_ALL_TEXT).toString()).code());
    }

    @Test
    void checkPrintsErrorsWithPositionsAndFails() throws Exception {
        Path f = write("bad.hujson", GOOD.replace("[\"group:eng\"], \"dst\"", "[\"group:en\"], \"dst\""));
        Run r = run("check", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith(f + ":4:41: group:en is not defined (did you mean group:eng?)"), r.err());
        assertTrue(r.err().contains("1 error; the policy is rejected"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void checkFailsWhenTestsFail() throws Exception {
        Path f = write("failing.hujson", GOOD.replace("\"deny\": [\"tag:db:22\"]", "\"deny\": [\"tag:db:5432\"]"));
        Run r = run("check", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(":6:70: tests[0]: alice@example.com -> tag:db:5432 (tcp) should be denied but "
                + "acls[0] allows it"), r.err());
        assertTrue(r.err().contains("1 test expectation failed"), r.err());
    }

    @Test
    void testPrintsEachTest() throws Exception {
        Run ok = run("test", write("good.hujson", GOOD).toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("PASS tests[0] alice@example.com: 2/2 expectations hold"), ok.out());
        assertTrue(ok.out().contains("PASS tests[1] bob@example.com: 1/1 expectations hold"), ok.out());
        assertTrue(ok.out().contains("ok: 2 tests passed"), ok.out());
        Run bad = run("test", write("failing.hujson", GOOD.replace("\"bob@example.com\", \"deny\"",
                "\"alice@example.com\", \"deny\"")).toString());
        assertEquals(1, bad.code());
        assertTrue(bad.out().contains("FAIL tests[1] alice@example.com: 0/1 expectations hold"), bad.out());
        assertTrue(bad.out().contains("FAILED: 1 expectation failed"), bad.out());
    }

    @Test
    void missingAndEmptyFiles() throws Exception {
        Run missing = run("check", dir.resolve("nope.hujson").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope.hujson: cannot read"), missing.err());
        Run empty = run("check", write("empty.hujson", "").toString());
        assertEquals(1, empty.code());
        assertTrue(empty.err().contains("empty.hujson:1:1: the file is empty"), empty.err());
    }
}
