package dev.warren.channel;

import dev.warren.crypto.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timing rules with shrunken clocks (the real ones are a 10 s handshake timeout, a 5 min idle timeout and
 * 50 s pings): pings keep an idle connection up well past the idle timeout, and a client that never handshakes
 * is dropped at the handshake timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeepAliveTest {
    @Test
    void pingsKeepAnIdleConnectionOpenPastTheIdleTimeout() throws Exception {
        var timing = new ControlChannelServer.Timing(Duration.ofSeconds(5), Duration.ofMillis(600), Duration.ofMillis(150));
        try (TestServer s = new TestServer(TestServer::echo, timing);
             ControlConnection c = ControlChannelClient.connect(s.base(), s.publicKey, X25519.generatePrivateKey(),
                     Duration.ofSeconds(5))) {
            Thread.sleep(2_000); // more than three idle timeouts without a message
            assertTrue(c.isOpen());
            c.send(new byte[] {9});
            assertArrayEquals(new byte[] {9}, c.receive());
        }
    }

    @Test
    void withoutPingsTheIdleTimeoutDropsTheConnection() throws Exception {
        var timing = new ControlChannelServer.Timing(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(60));
        try (TestServer s = new TestServer(TestServer::echo, timing);
             ControlConnection c = ControlChannelClient.connect(s.base(), s.publicKey, X25519.generatePrivateKey(),
                     Duration.ofSeconds(5))) {
            long start = System.nanoTime();
            assertThrows(java.io.IOException.class, c::receive);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertFalse(c.isOpen());
        }
    }

    @Test
    void defaultsKeepIdleConnectionsForFiveMinutes() {
        assertTrue(ControlChannelServer.DEFAULTS.idleTimeout().compareTo(Duration.ofMinutes(5)) >= 0);
        assertTrue(ControlChannelServer.DEFAULTS.pingInterval().compareTo(ControlChannelServer.DEFAULTS.idleTimeout()) < 0);
    }

    @Test
    void clientThatNeverHandshakesIsDropped() throws Exception {
        var timing = new ControlChannelServer.Timing(Duration.ofMillis(500), Duration.ofMinutes(5), Duration.ofSeconds(50));
        HttpClient http = HttpClient.newHttpClient();
        try (TestServer s = new TestServer(TestServer::echo, timing)) {
            GarbageTest.Raw raw = new GarbageTest.Raw();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(s.wsUri(), raw).get(5, TimeUnit.SECONDS);
            long start = System.nanoTime();
            int status = raw.closed.get(5, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "status " + status);
            ws.abort();
        } finally {
            http.shutdownNow();
        }
    }
}
