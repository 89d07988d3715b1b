package dev.warren.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.wire.control.ControlJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminRestTest {
    @TempDir
    Path dir;
    Fixture f;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    record Reply(int status, JsonNode body) {
    }

    Reply call(String method, String path, String json, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.server.url() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = r.body().isEmpty() || !r.body().startsWith("{") ? null
                : ControlJson.mapper().readTree(r.body());
        return new Reply(r.statusCode(), body);
    }

    Reply call(String method, String path, String json) throws Exception {
        return call(method, path, json, f.server.adminToken());
    }

    @Test
    void stateFilesAreWrittenWithOwnerOnlyModes() throws Exception {
        for (String name : new String[]{"server.key", "admin.token"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))));
        }
        JsonNode cj = ControlJson.mapper().readTree(dir.resolve("control.json").toFile());
        assertEquals(f.server.url().toString(), cj.get("url").asText());
        assertEquals(f.server.publicKey().toBase64(), cj.get("publicKey").asText());
        assertEquals(f.server.adminToken(), Files.readString(dir.resolve("admin.token")).strip());
    }

    @Test
    void authIsRequired() throws Exception {
        for (String p : new String[]{"/api/v1/domains", "/api/v1/nodes"}) {
            Reply r = call("GET", p, null, null);
            assertEquals(401, r.status());
            assertEquals("unauthorized", r.body().at("/error/code").asText());
            assertEquals(401, call("GET", p, null, "wrong").status());
        }
        assertEquals(401, call("POST", "/api/v1/domains", "{\"name\":\"x\"}", null).status());
        assertTrue(f.admin.listDomains().isEmpty(), "no change without auth");
        assertEquals(200, call("GET", "/healthz", null, null).status());
    }

    @Test
    void everyEndpoint() throws Exception {
        Reply d = call("POST", "/api/v1/domains", "{\"name\":\"corp\",\"requireApproval\":true}");
        assertEquals(201, d.status());
        assertEquals("corp", d.body().get("name").asText());
        assertTrue(d.body().get("requireApproval").asBoolean());
        assertEquals("corp", call("GET", "/api/v1/domains", null).body().at("/domains/0/name").asText());
        Reply k = call("POST", "/api/v1/domains/corp/authkeys",
                "{\"reusable\":true,\"tags\":[\"tag:web\"],\"expiry\":\"1h\"}");
        assertEquals(201, k.status());
        String key = k.body().get("key").asText();
        SimNode n = f.node("web1");
        n.register(key);
        Reply nodes = call("GET", "/api/v1/nodes?domain=corp", null);
        assertEquals(200, nodes.status());
        JsonNode node = nodes.body().at("/nodes/0");
        long id = node.get("id").asLong();
        assertFalse(node.get("authorized").asBoolean());
        assertEquals("tag:web", node.at("/tags/0").asText());
        assertTrue(call("POST", "/api/v1/nodes/" + id + "/approve", null).body().get("authorized").asBoolean());
        assertEquals("www", call("POST", "/api/v1/nodes/" + id + "/rename", "{\"name\":\"www\"}").body()
                .get("name").asText());
        JsonNode ke = call("POST", "/api/v1/nodes/" + id + "/key-expiry", "{\"disabled\":true}").body();
        assertTrue(ke.get("keyExpiryDisabled").asBoolean());
        assertTrue(ke.get("keyExpiry") == null || ke.get("keyExpiry").isNull());
        JsonNode ex = call("POST", "/api/v1/nodes/" + id + "/expire", null).body();
        assertTrue(ex.get("expired").asBoolean());
        assertEquals(204, call("DELETE", "/api/v1/nodes/" + id, null).status());
        assertEquals(0, call("GET", "/api/v1/nodes", null).body().get("nodes").size());
        String metrics = f.server.metricsText();
        assertTrue(metrics.contains("warren_control_nodes"), metrics);
        assertEquals(200, call("GET", "/metrics", null, null).status());
    }

    @Test
    void interactiveLoginCompletesOverRest() throws Exception {
        call("POST", "/api/v1/domains", "{\"name\":\"corp\"}");
        Reply r = call("POST", "/api/v1/register/doesnotexist/complete", "{\"domain\":\"corp\"}");
        assertEquals(404, r.status());
        assertEquals("login_unknown", r.body().at("/error/code").asText());
        assertEquals(200, call("GET", "/register/abc", null, null).status());
    }

    @Test
    void badInputIs4xxAndChangesNothing() throws Exception {
        call("POST", "/api/v1/domains", "{\"name\":\"corp\"}");
        assertError(call("POST", "/api/v1/domains", "{\"name\":\"corp\"}"), 409, "domain_exists", "name");
        assertError(call("POST", "/api/v1/domains", "{\"name\":\"Bad Name\"}"), 400, "invalid_name", "name");
        assertError(call("POST", "/api/v1/domains", "{}"), 400, "invalid_name", "name");
        assertError(call("POST", "/api/v1/domains", "{\"name\":\"x\",\"requireApproval\":\"yes\"}"), 400,
                "invalid_requireApproval", "requireApproval");
        assertError(call("POST", "/api/v1/domains", "not json"), 400, "invalid_body", "body");
        assertError(call("POST", "/api/v1/domains/nope/authkeys", "{}"), 404, "domain_not_found", "domain");
        assertError(call("POST", "/api/v1/domains/corp/authkeys", "{\"expiry\":\"soon\"}"), 400, "invalid_expiry",
                "expiry");
        assertError(call("POST", "/api/v1/domains/corp/authkeys", "{\"tags\":[\"web\"]}"), 400, "invalid_tags",
                "tags");
        assertError(call("POST", "/api/v1/nodes/abc/approve", null), 400, "invalid_id", "id");
        assertError(call("POST", "/api/v1/nodes/99/approve", null), 404, "node_not_found", null);
        assertError(call("GET", "/api/v1/nodes?domain=nope", null), 404, "domain_not_found", "domain");
        SimNode a = f.node("a");
        a.register(f.key("corp"));
        SimNode b = f.node("b");
        b.register(f.key("corp"));
        long id = f.admin.listNodes("corp").getFirst().id();
        assertError(call("POST", "/api/v1/nodes/" + id + "/rename", "{\"name\":\"b\"}"), 409, "name_taken", "name");
        assertError(call("POST", "/api/v1/nodes/" + id + "/rename", "{\"name\":\"-x-\"}"), 400, "invalid_name",
                "name");
        assertError(call("POST", "/api/v1/nodes/" + id + "/key-expiry", "{}"), 400, "invalid_disabled", "disabled");
        assertEquals("a", f.admin.listNodes("corp").getFirst().name(), "nothing changed");
        assertEquals(1, f.admin.listDomains().size());
    }

    @Test
    void policyOverRest() throws Exception {
        call("POST", "/api/v1/domains", "{\"name\":\"corp\"}");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(f.server.url()
                + "/api/v1/domains/corp/policy")).header("Authorization", "Bearer " + f.server.adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get.statusCode());
        assertEquals(dev.warren.policy.Policy.ALLOW_ALL_TEXT, get.body());
        assertTrue(get.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertEquals(401, call("GET", "/api/v1/domains/corp/policy", null, null).status());
        assertEquals(401, call("PUT", "/api/v1/domains/corp/policy", "{}", "wrong").status());

        String bad = "{\n  \"acls\": [\n"
                + "    {\"action\": \"accept\", \"src\": [\"group:nope\"], \"dst\": [\"*:*\"]},\n  ],\n}\n";
        Reply r = call("PUT", "/api/v1/domains/corp/policy?file=corp.hujson", bad);
        assertError(r, 400, "invalid_policy", "policy");
        JsonNode e0 = r.body().at("/error/errors/0");
        assertEquals("corp.hujson", e0.get("file").asText());
        assertEquals(3, e0.get("line").asInt(), e0.toString());
        assertTrue(e0.get("column").asInt() > 1, e0.toString());
        assertTrue(e0.get("message").asText().contains("group:nope"), e0.toString());
        assertError(call("PUT", "/api/v1/domains/nope/policy", bad), 404, "domain_not_found", "domain");

        String good = "// only tag:web serves\n{\"tagOwners\": {\"tag:web\": [\"admin@corp\"]},"
                + " \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:web:443\"]}]}\n";
        r = call("PUT", "/api/v1/domains/corp/policy", good);
        assertEquals(200, r.status(), String.valueOf(r.body()));
        assertEquals("corp", r.body().get("domain").asText());
        assertTrue(r.body().has("filtersChanged") && r.body().has("compileMillis"), r.body().toString());
        assertEquals(good, f.admin.policy("corp"));

        SimNode web = f.node("web");
        web.register(f.admin.createAuthKey(new AuthKeySpec("corp", true, false, true, List.of("tag:web"), null,
                null)));
        SimNode pc = f.node("pc");
        pc.register(f.key("corp"));
        Reply t = call("POST", "/api/v1/domains/corp/policy/trace",
                "{\"src\":\"pc\",\"dst\":\"web\",\"port\":443}");
        assertEquals(200, t.status(), String.valueOf(t.body()));
        assertTrue(t.body().get("allowed").asBoolean(), t.body().toString());
        assertEquals("acls[0]", t.body().get("decidingRule").asText());
        t = call("POST", "/api/v1/domains/corp/policy/trace",
                "{\"src\":\"pc\",\"dst\":\"web\",\"port\":22,\"proto\":\"udp\"}");
        assertFalse(t.body().get("allowed").asBoolean(), t.body().toString());
        t = call("POST", "/api/v1/domains/corp/policy/trace",
                "{\"src\":\"nobody\",\"dst\":\"web\",\"port\":1}");
        assertEquals(400, t.status(), String.valueOf(t.body()));
        assertFalse(t.body().at("/error/errors").isEmpty(), t.body().toString());
        assertError(call("POST", "/api/v1/domains/corp/policy/trace", "{\"src\":\"a\",\"dst\":\"b\"}"), 400,
                "invalid_port", "port");
        assertTrue(f.server.metricsText().contains("warren_control_policy_compile"), "compile time is metered");
    }

    private static void assertError(Reply r, int status, String code, String field) {
        assertEquals(status, r.status(), String.valueOf(r.body()));
        assertEquals(code, r.body().at("/error/code").asText(), String.valueOf(r.body()));
        assertFalse(r.body().at("/error/message").asText().isEmpty());
        if (field != null) {
            assertEquals(field, r.body().at("/error/field").asText());
        }
    }
}
