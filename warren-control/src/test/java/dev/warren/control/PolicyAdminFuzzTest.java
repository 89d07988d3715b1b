package dev.warren.control;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.testing.FakeClock;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds arbitrary text to the admin's policy operations (set and trace) of a server with nodes: each either
 * succeeds or is refused with a 4xx {@link ControlException}; a refused set leaves the policy as it was; nothing
 * else is ever thrown.
 */
class PolicyAdminFuzzTest {
    private static ControlServer server;
    private static Path dir;

    private static synchronized ControlServer server() throws Exception {
        if (server == null) {
            dir = Files.createTempDirectory("warren-policy-fuzz");
            server = ControlServer.startForTest(dir, new FakeClock(), ControlOptions.defaults());
            server.admin().createDomain("corp", false);
            for (String user : new String[]{"alice@corp", "bob@corp"}) {
                new SimNode(server, user.substring(0, user.indexOf('@'))).register(server.admin().createAuthKey(
                        new AuthKeySpec("corp", true, false, true, java.util.List.of(), null, user)));
            }
        }
        return server;
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            dir = null;
        }
    }

    @FuzzTest(maxDuration = "10s")
    void policyOperationsSurviveAnyText(FuzzedDataProvider data) throws Exception {
        ControlAdmin admin = server().admin();
        String src = data.consumeString(40);
        String dst = data.consumeString(40);
        int port = data.consumeInt(-5, 70_000);
        String proto = data.consumeBoolean() ? null : data.consumeString(10);
        String text = data.consumeRemainingAsString();
        String before = admin.policy("corp");
        try {
            admin.setPolicy("corp", "fuzz.hujson", text);
            assertEquals(text, admin.policy("corp"), "a set policy is the one served");
        } catch (ControlException e) {
            assertTrue(e.status() == 400 || e.status() == 413, e.status() + " " + e.getMessage());
            assertEquals(before, admin.policy("corp"), "a refused policy changes nothing");
            for (ControlException.ErrorDetail d : e.details()) {
                assertEquals("fuzz.hujson", d.file());
                assertTrue(d.line() >= 1 && d.column() >= 1, d.format());
            }
        }
        try {
            admin.tracePolicy("corp", src, dst, port, proto);
        } catch (ControlException e) {
            assertEquals(400, e.status(), e.getMessage());
        }
    }
}
