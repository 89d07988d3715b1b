package dev.warren.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capability version 2 on the control server: disco keys, home relays, the relay map and relay admission. */
class RelaysAndDiscoTest {
    static final String MAP_JSON = """
            {"regions": [{"id": 1, "code": "fra", "name": "Frankfurt",
                          "nodes": [{"name": "fra1", "host": "relay1.example.net", "ipv4": "203.0.113.7",
                                     "port": 443, "stunPort": 3478, "tls": true}]}]}""";
    static final RelayMap MAP = dev.warren.wire.control.RelayMaps.parse("t", MAP_JSON.getBytes(StandardCharsets.UTF_8));
    static final RelayMap MAP2 = new RelayMap(List.of(MAP.regions().getFirst(), new RelayMap.RelayRegion(2, "nyc",
            null, List.of(new RelayMap.RelayNode("nyc1", "192.0.2.9", null, null, 8443, 0, false)))));

    @TempDir
    Path dir;
    Fixture f;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(dir);
        f.admin.createDomain("corp", false);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    static DiscoKey disco(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return DiscoKey.of(PublicKey.of(k));
    }

    private SimNode onlineWithDisco(String name, DiscoKey dk, int home) throws Exception {
        SimNode n = f.node(name);
        n.register(f.key("corp"));
        n.streamWithDisco(dk, home);
        n.await("first map", x -> x.self() != null);
        return n;
    }

    @Test
    void discoKeyAndHomeRelayReachPeersAndAChangeIsAPatch() throws Exception {
        SimNode a = onlineWithDisco("alpha", disco(1), 1);
        assertEquals(disco(1), a.self().discoKey());
        assertEquals(1, a.self().homeRelay());
        NodeView view = f.admin.listNodes("corp").getFirst();
        assertEquals(disco(1).toString(), view.discoKey(), "the admin sees it too");
        assertEquals(1, view.homeRelay());
        SimNode b = onlineWithDisco("beta", disco(2), 0);
        assertEquals(disco(1), b.peers().get(a.id()).discoKey(), "b's full map carries a's disco key");
        assertEquals(1, b.peers().get(a.id()).homeRelay());
        a.await("b with its disco key", x -> x.peers().containsKey(b.id())
                && disco(2).equals(x.peers().get(b.id()).discoKey()));

        int patchesBefore = b.discoPatches();
        int wholeBefore = b.wholeNodes();
        a.updateDisco(disco(3), 2);
        b.await("a's new disco key", x -> disco(3).equals(x.peers().get(a.id()).discoKey())
                && x.peers().get(a.id()).homeRelay() == 2);
        assertTrue(b.discoPatches() > patchesBefore, "the change came as a patch");
        assertEquals(wholeBefore, b.wholeNodes(), "not as a whole node");
        assertEquals(1, b.fullMaps());
        assertTrue(b.gaps().isEmpty(), b.gaps().toString());

        // only the home relay changes: still a patch, the disco key stays
        a.updateDisco(null, 0);
        b.await("a without home relay", x -> x.peers().get(a.id()).homeRelay() == 0);
        assertEquals(disco(3), b.peers().get(a.id()).discoKey());

        // a daemon restart: a new stream with a new disco key reaches peers as a patch too
        int before = b.discoPatches();
        a.streamWithDisco(disco(4), 1);
        b.await("a's restart disco key", x -> disco(4).equals(x.peers().get(a.id()).discoKey()));
        assertTrue(b.discoPatches() > before);
        assertEquals(wholeBefore, b.wholeNodes(), "a restart's new disco key is a patch too");
        assertEquals(1, b.fullMaps());
    }

    @Test
    void aVersionOneMapRequestStillWorks() throws Exception {
        SimNode a = onlineWithDisco("alpha", disco(1), 1);
        SimNode old = f.node("old");
        old.register(f.key("corp"));
        var reply = old.request(new MapRequest(1, old.nodeKey, false, null, List.of("192.0.2.8:41641"), null, 0));
        MapResponse m = assertInstanceOf(MapResponse.class, reply);
        assertTrue(m.isFull());
        assertNull(m.node().discoKey(), "an old node announces no disco key");
        assertEquals(0, m.node().homeRelay());
        assertEquals(disco(1), m.peers().getFirst().discoKey(), "and is told its peers' (it ignores them)");
        a.await("old node's endpoints", x -> x.peers().values().stream()
                .anyMatch(p -> p.endpoints().equals(List.of("192.0.2.8:41641")) && p.discoKey() == null));
    }

    @Test
    void aNegativeHomeRelayIsRefused() throws Exception {
        SimNode n = f.node("bad");
        n.register(f.key("corp"));
        var reply = n.request(new MapRequest(CapabilityVersion.CURRENT, n.nodeKey, true, null, null, null, 0, null,
                disco(1), -3));
        ErrorMessage e = assertInstanceOf(ErrorMessage.class, reply);
        assertEquals(400, e.status());
        assertTrue(e.message().contains("homeRelay"), e.message());
    }

    @Test
    void relayMapIsInEveryFullMapAndPushedAsADelta() throws Exception {
        SimNode a = f.online("corp", "alpha");
        assertEquals(new RelayMap(List.of()), a.relayMap(), "a full map carries the (empty) relay map");
        assertEquals(1, a.relayMaps());
        f.admin.setRelayMap(MAP);
        a.await("the new relay map", x -> MAP.equals(x.relayMap()));
        assertEquals(1, a.fullMaps(), "the relay map came as a delta");
        assertEquals(2, a.relayMaps());
        SimNode b = f.online("corp", "beta");
        assertEquals(MAP, b.relayMap(), "a new stream's full map carries it");
        a.await("b", x -> x.peers().containsKey(b.id()));
        assertEquals(2, a.relayMaps(), "deltas without a change carry no relay map");
        f.admin.setRelayMap(MAP2);
        a.await("map 2", x -> MAP2.equals(x.relayMap()));
        b.await("map 2", x -> MAP2.equals(x.relayMap()));
        assertTrue(a.gaps().isEmpty() && b.gaps().isEmpty());
        assertEquals(MAP2, f.admin.relayMap());
        assertEquals(MAP2, dev.warren.wire.control.RelayMaps.parse("saved",
                Files.readAllBytes(dir.resolve("relay-map.json"))), "saved in the state directory");

        RelayMap bad = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", null,
                List.of(new RelayMap.RelayNode("x", "h", null, null, 0, 0, false)))));
        ControlException e = assertThrows(ControlException.class, () -> f.admin.setRelayMap(bad));
        assertEquals("relay map: regions[0].nodes[0].port: must be 1..65535", e.getMessage());
        assertEquals(MAP2, f.admin.relayMap(), "a bad map changes nothing");
    }

    @Test
    void relayMapFileIsLoadedValidatedAndKept() throws Exception {
        f.close();
        Path state = dir.resolve("s2");
        Path file = dir.resolve("relays.json");
        Files.writeString(file, MAP_JSON.replace("\"port\": 443", "\"port\": 70000"));
        var cfg = ControlServerConfig.loopback(state, f.clock).withRelayMap(file);
        IOException e = assertThrows(IOException.class, () -> ControlServer.start(cfg));
        assertEquals(file + ": regions[0].nodes[0].port: must be 1..65535", e.getMessage());
        Files.writeString(file, MAP_JSON);
        try (ControlServer s = ControlServer.start(cfg)) {
            assertEquals(MAP, s.admin().relayMap());
        }
        try (ControlServer s = ControlServer.start(ControlServerConfig.loopback(state, f.clock))) {
            assertEquals(MAP, s.admin().relayMap(), "a start without --relay-map keeps the saved map");
        }
        IOException missing = assertThrows(IOException.class,
                () -> ControlServer.start(cfg.withRelayMap(dir.resolve("nope.json"))));
        assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
        f = new Fixture(dir.resolve("s3"));
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    Reply call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.server.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = r.body().startsWith("{") ? ControlJson.mapper().readTree(r.body()) : null;
        return new Reply(r.statusCode(), n, r);
    }

    @Test
    void relayMapAdminApi() throws Exception {
        SimNode a = f.online("corp", "alpha");
        String admin = f.server.adminToken();
        assertEquals(401, call("GET", "/api/v1/relay-map", null, null).status());
        assertEquals(401, call("PUT", "/api/v1/relay-map", MAP_JSON, f.server.relayToken()).status(),
                "the relay token is not an admin token");
        Reply put = call("PUT", "/api/v1/relay-map", MAP_JSON, admin);
        assertEquals(200, put.status());
        assertEquals("fra", put.body().at("/regions/0/code").asText());
        a.await("pushed", x -> MAP.equals(x.relayMap()));
        Reply get = call("GET", "/api/v1/relay-map", null, admin);
        assertEquals(MAP, ControlJson.mapper().treeToValue(get.body(), RelayMap.class));
        Reply bad = call("PUT", "/api/v1/relay-map", MAP_JSON.replace("\"fra\"", "\"FRA\""), admin);
        assertEquals(400, bad.status());
        assertEquals("invalid_relay_map", bad.body().at("/error/code").asText());
        assertTrue(bad.body().at("/error/message").asText().startsWith("request body: regions[0].code: 'FRA'"),
                bad.body().toString());
        assertEquals(400, call("PUT", "/api/v1/relay-map", "{\"regions\":", admin).status());
        assertEquals(MAP, f.admin.relayMap(), "bad requests change nothing");
    }

    private Reply admit(NodeKey key, String token) throws Exception {
        return admit(key.toString(), token);
    }

    private Reply admit(String key, String token) throws Exception {
        return call("GET", "/relay/admit?nodeKey=" + URLEncoder.encode(key, StandardCharsets.UTF_8), null, token);
    }

    @Test
    void relayAdmission() throws Exception {
        String token = f.server.relayToken();
        assertEquals(64, token.length());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("relay.token"))));
        assertEquals(token, ControlServer.relayToken(dir), "the CLI reads the same token");
        assertNotEquals(token, f.server.adminToken());

        SimNode a = f.online("corp", "alpha");
        Reply ok = admit(a.nodeKey, token);
        assertEquals(200, ok.status());
        assertEquals(true, ok.body().get("allow").asBoolean());

        SimNode stranger = f.node("stranger");
        assertEquals(false, admit(stranger.nodeKey, token).body().get("allow").asBoolean(), "unknown key");

        f.admin.createDomain("strict", true);
        SimNode waiting = f.node("waiting");
        waiting.register(f.admin.createAuthKey(new AuthKeySpec("strict", true, false, false, List.of(), null,
                null)));
        assertEquals(false, admit(waiting.nodeKey, token).body().get("allow").asBoolean(), "awaiting approval");
        long waitingId = f.admin.listNodes("strict").getFirst().id();
        f.admin.approveNode(waitingId);
        assertEquals(true, admit(waiting.nodeKey, token).body().get("allow").asBoolean(), "approved");

        f.admin.expireNode(a.id());
        assertEquals(false, admit(a.nodeKey, token).body().get("allow").asBoolean(), "expired");

        f.admin.deleteNode(waitingId);
        assertEquals(false, admit(waiting.nodeKey, token).body().get("allow").asBoolean(), "deleted");

        Reply none = admit(a.nodeKey, null);
        assertEquals(401, none.status());
        assertEquals("Bearer", none.raw().headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals(401, admit(a.nodeKey, token + "x").status(), "wrong token");
        assertEquals(401, admit(a.nodeKey, f.server.adminToken()).status(), "the admin token is not a relay token");

        Reply malformed = admit("nodekey:zz", token);
        assertEquals(400, malformed.status());
        assertEquals("malformed_node_key", malformed.body().at("/error/code").asText());
        assertTrue(malformed.body().at("/error/message").asText().startsWith("query parameter 'nodeKey': "),
                malformed.body().toString());
        assertEquals(400, admit("discokey:" + "00".repeat(32), token).status(), "a disco key is not a node key");
        Reply missing = call("GET", "/relay/admit", null, token);
        assertEquals(400, missing.status());
        assertEquals("missing_field", missing.body().at("/error/code").asText());

        String metrics = f.server.metricsText();
        for (String m : List.of("warren_control_relay_admit_total{result=\"allow\"} 2.0",
                "warren_control_relay_admit_total{result=\"deny\"} 4.0",
                "warren_control_relay_admit_total{result=\"unauthorized\"} 3.0",
                "warren_control_relay_admit_total{result=\"malformed\"} 3.0")) {
            assertTrue(metrics.contains(m), m + " in\n" + metrics);
        }
    }

    @Test
    void admissionSeesKeyExpiryByTheClockBeforeTheTick() throws Exception {
        SimNode a = f.online("corp", "alpha");
        String token = f.server.relayToken();
        assertEquals(true, admit(a.nodeKey, token).body().get("allow").asBoolean());
        f.clock.advance(Duration.ofDays(181)); // past the default key expiry; no tick has run
        assertEquals(false, admit(a.nodeKey, token).body().get("allow").asBoolean());
    }
}
