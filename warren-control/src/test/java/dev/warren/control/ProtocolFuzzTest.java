package dev.warren.control;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.channel.ControlConnection;
import dev.warren.channel.InMemoryConnections;
import dev.warren.testing.FakeClock;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds arbitrary bytes to the protocol handler as one message: it must answer with a valid control message (an
 * error, or a response to a valid request) and never throw or hang.
 */
class ProtocolFuzzTest {
    private static ControlServer server;
    private static Path dir;

    private static synchronized ControlServer server() throws IOException {
        if (server == null) {
            dir = Files.createTempDirectory("warren-control-fuzz");
            server = ControlServer.startForTest(dir, new FakeClock(), ControlOptions.defaults());
            server.admin().createDomain("corp", false);
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
    void handlerSurvivesAnyMessage(byte[] bytes) throws Exception {
        ControlServer s = server();
        byte[] k = new byte[32];
        k[0] = 1;
        InMemoryConnections.Pair p = InMemoryConnections.pair(PublicKey.of(k), s.publicKey());
        Thread t = Thread.ofVirtual().start(() -> {
            try (ControlConnection c = p.server()) {
                s.connectionHandler().handle(c);
            } catch (Exception e) {
                throw new AssertionError("handler threw", e);
            }
        });
        p.client().send(bytes);
        byte[] reply = p.client().receive();
        ControlMessage m = ControlJson.decode(reply);
        assertTrue(m instanceof ErrorMessage || m instanceof RegisterResponse || m instanceof MapResponse,
                m.getClass().getName());
        p.client().close();
        t.join(10_000);
        assertTrue(!t.isAlive(), "handler ended");
    }
}
