package dev.warren.control.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlAdmin;
import dev.warren.control.ControlException;
import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.control.internal.store.StoreException;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RelayMaps;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin REST API and the operational endpoints. Every {@code /api/v1} route checks
 * {@code Authorization: Bearer <admin token>} first (401 otherwise), parses and validates its JSON body, then calls
 * {@link ControlAdmin}; a {@link ControlException} becomes its status and {@code {"error":{...}}}.
 */
public final class AdminRoutes {
    private static final Logger LOG = Logger.getLogger(AdminRoutes.class.getName());
    private static final ObjectMapper JSON = ControlJson.mapper();

    private final ControlAdmin admin;
    private final byte[] token;
    private final ControlMetrics metrics;

    public AdminRoutes(ControlAdmin admin, String adminToken, ControlMetrics metrics) {
        this.admin = admin;
        this.token = ("Bearer " + adminToken).getBytes(StandardCharsets.UTF_8);
        this.metrics = metrics;
    }

    public void install(JavalinConfig config) {
        var r = config.routes;
        r.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok\n"));
        r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
        r.get("/register/{id}", ctx -> ctx.contentType("text/html").result(registerPage(ctx.pathParam("id"))));
        r.post("/api/v1/domains", api(ctx -> {
            JsonNode b = body(ctx);
            String name = text(b, "name", true);
            boolean approval = bool(b, "requireApproval", false);
            send(ctx, 201, admin.createDomain(name, approval));
        }));
        r.get("/api/v1/domains", api(ctx -> send(ctx, 200, Map.of("domains", admin.listDomains()))));
        r.post("/api/v1/domains/{name}/authkeys", api(ctx -> {
            JsonNode b = body(ctx);
            String expiry = text(b, "expiry", false);
            Duration d = null;
            if (expiry != null) {
                try {
                    d = Durations.parse(expiry);
                } catch (IllegalArgumentException e) {
                    throw ControlException.badRequest("expiry", e.getMessage());
                }
            }
            AuthKeySpec spec = new AuthKeySpec(ctx.pathParam("name"), bool(b, "reusable", false),
                    bool(b, "ephemeral", false), bool(b, "preapproved", false), strings(b, "tags"), d,
                    text(b, "user", false));
            send(ctx, 201, Map.of("key", admin.createAuthKey(spec)));
        }));
        r.get("/api/v1/nodes", api(ctx -> send(ctx, 200, Map.of("nodes", admin.listNodes(ctx.queryParam("domain"))))));
        r.post("/api/v1/nodes/{id}/approve", api(ctx -> send(ctx, 200, admin.approveNode(id(ctx)))));
        r.post("/api/v1/nodes/{id}/rename", api(ctx -> {
            long id = id(ctx);
            String name = text(body(ctx), "name", true);
            send(ctx, 200, admin.renameNode(id, name));
        }));
        r.post("/api/v1/nodes/{id}/expire", api(ctx -> send(ctx, 200, admin.expireNode(id(ctx)))));
        r.post("/api/v1/nodes/{id}/key-expiry", api(ctx -> {
            long id = id(ctx);
            JsonNode b = body(ctx);
            if (!b.has("disabled")) {
                throw ControlException.badRequest("disabled", "field 'disabled' (true or false) is required");
            }
            send(ctx, 200, admin.setKeyExpiryDisabled(id, bool(b, "disabled", false)));
        }));
        r.delete("/api/v1/nodes/{id}", api(ctx -> {
            admin.deleteNode(id(ctx));
            ctx.status(204);
        }));
        r.get("/api/v1/domains/{name}/policy", api(ctx -> ctx.status(200).contentType(POLICY_TYPE)
                .result(admin.policy(ctx.pathParam("name")).getBytes(StandardCharsets.UTF_8))));
        r.put("/api/v1/domains/{name}/policy", api(ctx -> send(ctx, 200, admin.setPolicy(ctx.pathParam("name"),
                ctx.queryParam("file"), utf8(ctx.bodyAsBytes())))));
        r.post("/api/v1/domains/{name}/policy/trace", api(ctx -> {
            JsonNode b = body(ctx);
            JsonNode port = b.get("port");
            if (port == null || !port.canConvertToInt() || !port.isIntegralNumber()) {
                throw ControlException.badRequest("port", "field 'port' (0-65535) is required");
            }
            send(ctx, 200, admin.tracePolicy(ctx.pathParam("name"), text(b, "src", true), text(b, "dst", true),
                    port.asInt(), text(b, "proto", false)));
        }));
        r.get("/api/v1/relay-map", api(ctx -> send(ctx, 200, admin.relayMap())));
        r.put("/api/v1/relay-map", api(ctx -> {
            RelayMap m;
            try {
                m = RelayMaps.parse("request body", ctx.bodyAsBytes());
            } catch (IllegalArgumentException e) {
                throw new ControlException(400, "invalid_relay_map", null, e.getMessage());
            }
            send(ctx, 200, admin.setRelayMap(m));
        }));
        r.post("/api/v1/register/{id}/complete", api(ctx -> {
            JsonNode b = body(ctx);
            admin.completeInteractiveLogin(ctx.pathParam("id"), text(b, "domain", true), text(b, "user", false));
            send(ctx, 200, Map.of("completed", true));
        }));
    }

    /** The media type of a policy file: HuJSON (JSON with comments and trailing commas) as plain UTF-8 text. */
    static final String POLICY_TYPE = "text/plain; charset=utf-8";

    /** {@code b} as UTF-8 text; a 400 naming the byte offset if it is not. */
    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ControlException.badRequest("policy", "the policy is not valid UTF-8 text");
        }
    }

    private Handler api(Handler h) {
        return ctx -> {
            String auth = ctx.header("Authorization");
            if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), token)) {
                ctx.header("WWW-Authenticate", "Bearer");
                error(ctx, new ControlException(401, "unauthorized", null,
                        "a valid 'Authorization: Bearer <admin token>' header is required"));
                return;
            }
            try {
                h.handle(ctx);
            } catch (ControlException e) {
                error(ctx, e);
            } catch (StoreException e) {
                LOG.log(Level.WARNING, "store failure in " + ctx.path(), e);
                error(ctx, new ControlException(503, "store_unavailable", null, "the database is unavailable: "
                        + e.getMessage()));
            }
        };
    }

    private static void send(Context ctx, int status, Object body) throws IOException {
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
    }

    private static void error(Context ctx, ControlException e) throws IOException {
        ObjectNode err = JSON.createObjectNode();
        err.put("code", e.code());
        err.put("message", e.getMessage());
        if (e.field() != null) {
            err.put("field", e.field());
        }
        if (!e.details().isEmpty()) {
            var list = err.putArray("errors");
            for (ControlException.ErrorDetail d : e.details()) {
                ObjectNode o = list.addObject();
                o.put("file", d.file());
                o.put("line", d.line());
                o.put("column", d.column());
                o.put("message", d.message());
                if (d.hint() != null) {
                    o.put("hint", d.hint());
                }
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("error", err);
        send(ctx, e.status(), root);
    }

    private static long id(Context ctx) {
        String s = ctx.pathParam("id");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ControlException.badRequest("id", "node id '" + s + "' is not a number");
        }
    }

    private static JsonNode body(Context ctx) {
        byte[] b = ctx.bodyAsBytes();
        if (b.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(b);
            if (n == null || !n.isObject()) {
                throw ControlException.badRequest("body", "the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw ControlException.badRequest("body", "the request body is not valid JSON");
        }
    }

    private static String text(JsonNode b, String field, boolean required) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw ControlException.badRequest(field, "field '" + field + "' is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw ControlException.badRequest(field, "field '" + field + "' must be a string");
        }
        return n.asText();
    }

    private static boolean bool(JsonNode b, String field, boolean dflt) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw ControlException.badRequest(field, "field '" + field + "' must be true or false");
        }
        return n.asBoolean();
    }

    private static List<String> strings(JsonNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw ControlException.badRequest(field, "field '" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw ControlException.badRequest(field, "field '" + field + "' must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static String registerPage(String id) {
        String safe = id.replaceAll("[^A-Za-z0-9]", "");
        return "<!doctype html><html><head><title>Warren login</title></head><body>"
                + "<h1>Warren: log this machine in</h1>"
                + "<p>Browser login is not available on this server yet. Ask an administrator to run:</p>"
                + "<pre>warren control register complete " + safe + " --domain DOMAIN [--user USER]</pre>"
                + "</body></html>";
    }
}
