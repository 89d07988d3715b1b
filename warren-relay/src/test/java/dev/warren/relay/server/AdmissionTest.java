package dev.warren.relay.server;

import com.sun.net.httpserver.HttpServer;
import dev.warren.crypto.X25519;
import dev.warren.relay.RelayTestKit;
import dev.warren.testing.FakeClock;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission against a tiny fake control server speaking exactly the {@code /relay/admit} contract. */
class AdmissionTest {
    final Set<String> known = ConcurrentHashMap.newKeySet();
    final List<String> asked = new CopyOnWriteArrayList<>();
    final Map<String, String> lastAuth = new ConcurrentHashMap<>();
    volatile int status = 200;
    volatile String bodyOverride;
    HttpServer control;
    URI url;

    @BeforeEach
    void startControl() throws IOException {
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/relay/admit", ex -> {
            String q = ex.getRequestURI().getQuery();
            String key = q != null && q.startsWith("nodeKey=") ? q.substring(8) : "";
            asked.add(key);
            lastAuth.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = (bodyOverride != null ? bodyOverride : "{\"allow\": " + known.contains(key) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        control.start();
        url = URI.create("http://127.0.0.1:" + control.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        control.stop(0);
    }

    static PublicKey key() {
        return X25519.publicKey(X25519.generatePrivateKey());
    }

    @Test
    void decisionsAreCachedAllowLongerThanDeny() {
        FakeClock clock = new FakeClock();
        Admission adm = Admission.control(url, "s3cret\n", clock, Duration.ofSeconds(2));
        PublicKey good = key();
        PublicKey bad = key();
        known.add(NodeKey.of(good).toString());
        assertTrue(adm.check(good).allowed());
        assertEquals("Bearer s3cret", lastAuth.get("auth"));
        assertEquals(List.of(NodeKey.of(good).toString()), asked);
        Admission.Decision d = adm.check(bad);
        assertFalse(d.allowed());
        assertEquals("admission refused: node key not known to the control server", d.reason());
        assertEquals(2, asked.size());
        clock.advance(Duration.ofSeconds(9));
        assertTrue(adm.check(good).allowed());
        assertFalse(adm.check(bad).allowed());
        assertEquals(2, asked.size(), "both answers cached");
        clock.advance(Duration.ofSeconds(2));
        known.add(NodeKey.of(bad).toString());
        assertTrue(adm.check(bad).allowed(), "the deny expired after 10 s");
        assertTrue(adm.check(good).allowed());
        assertEquals(3, asked.size());
        clock.advance(Duration.ofSeconds(50));
        adm.check(good);
        assertEquals(4, asked.size(), "the allow expired after a minute");
    }

    @Test
    void whenControlIsDownOnlyKeysAllowedBeforeGetIn() {
        FakeClock clock = new FakeClock();
        Admission adm = Admission.control(url, "t", clock, Duration.ofSeconds(2));
        PublicKey good = key();
        known.add(NodeKey.of(good).toString());
        assertTrue(adm.check(good).allowed());
        clock.advance(Duration.ofMinutes(5));
        status = 500;
        assertTrue(adm.check(good).allowed());
        Admission.Decision d = adm.check(key());
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("control server unreachable"), d.reason());
        status = 200;
        bodyOverride = "{\"allowed\": true}";
        assertFalse(adm.check(key()).allowed(), "a body without a boolean allow is no answer");
        control.stop(0);
        assertTrue(adm.check(good).allowed());
        assertFalse(adm.check(key()).allowed());
    }

    @Test
    void badConfigurationIsRefused() {
        FakeClock clock = new FakeClock();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Admission.control(URI.create("ftp://x"), "t", clock, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("must be http://HOST[:PORT]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Admission.control(url, " ", clock, Duration.ofSeconds(1)));
    }

    @Test
    void theRelayClosesRefusedKeysWithTheReason() throws Exception {
        try (RelayTestKit kit = new RelayTestKit()) {
            RelayServer s = kit.start(kit.config().withAdmission(
                    Admission.control(url, "t", dev.warren.wire.time.Clock.system(), Duration.ofSeconds(2))));
            RelayTestKit.Recorder good = kit.new Recorder();
            known.add(NodeKey.of(good.pub).toString());
            kit.connect(good, RelayTestKit.node(s), null);
            RelayTestKit.Raw bad = kit.raw(s).upgrade();
            bad.hello(bad.key, null);
            dev.warren.wire.relay.RelayFrame.Health h = (dev.warren.wire.relay.RelayFrame.Health) bad.next();
            assertEquals("admission refused: node key not known to the control server", h.text());
            assertTrue(s.isLocal(good.pub));
            assertFalse(s.isLocal(bad.pub));
            RelayTestKit.await("the refusal counted", () -> s.stats().refused() == 1);
            RelayTestKit.Recorder refused = kit.new Recorder();
            refused.client = dev.warren.relay.client.RelayClient.start(new dev.warren.relay.client.RelayClientConfig(
                    RelayTestKit.node(s), refused.key, null, null, dev.warren.wire.time.Clock.system(), kit.scheduler),
                    refused);
            String why = refused.nextEvent("disconnected").kind();
            refused.client.close();
            assertTrue(why.contains("relay said: admission refused: node key not known to the control server"), why);
        }
    }

}
