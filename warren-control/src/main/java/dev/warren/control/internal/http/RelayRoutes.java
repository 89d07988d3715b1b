package dev.warren.control.internal.http;

import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.key.NodeKey;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The relay admission endpoint: a relay asks whether a client that proved a node key may use it.
 *
 * <p>Contract (relays code against exactly this):
 * <pre>
 * GET /relay/admit?nodeKey=nodekey:&lt;64 hex&gt;
 * Authorization: Bearer &lt;relay token&gt;          (the state directory's relay.token)
 *
 * 200 {"allow": true}    the key belongs to a node that is authorized and whose key has not expired
 * 200 {"allow": false}   any other key (unknown, awaiting approval, expired)
 * 401 {"error": {...}}   no or a wrong relay token (WWW-Authenticate: Bearer)
 * 400 {"error": {...}}   nodeKey missing or malformed; the message names the problem
 * </pre>
 * The answer reflects the in-memory snapshot (no SQL): a node approved, expired or deleted a moment ago is answered
 * accordingly. Relays cache answers briefly; control does not push revocations to relays.
 *
 * <p>Stateless apart from the metrics; thread-safe.
 */
public final class RelayRoutes {
    /** Path of the admission endpoint. */
    public static final String ADMIT_PATH = "/relay/admit";

    private final byte[] token;
    private final Predicate<NodeKey> admits;
    private final ControlMetrics metrics;

    /** {@code admits} answers for a well-formed key; it must be fast and must not block. */
    public RelayRoutes(String relayToken, Predicate<NodeKey> admits, ControlMetrics metrics) {
        this.token = ("Bearer " + relayToken).getBytes(StandardCharsets.UTF_8);
        this.admits = admits;
        this.metrics = metrics;
    }

    public void install(JavalinConfig config) {
        config.routes.get(ADMIT_PATH, this::admit);
    }

    private void admit(Context ctx) throws IOException {
        String auth = ctx.header("Authorization");
        if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), token)) {
            metrics.relayAdmitUnauthorized();
            ctx.header("WWW-Authenticate", "Bearer");
            error(ctx, 401, "unauthorized", "a valid 'Authorization: Bearer <relay token>' header is required");
            return;
        }
        String text = ctx.queryParam("nodeKey");
        if (text == null || text.isEmpty()) {
            metrics.relayAdmitMalformed();
            error(ctx, 400, "missing_field", "query parameter 'nodeKey' (nodekey:<64 hex>) is required");
            return;
        }
        NodeKey key;
        try {
            key = NodeKey.parse(text);
        } catch (IllegalArgumentException e) {
            metrics.relayAdmitMalformed();
            error(ctx, 400, "malformed_node_key", "query parameter 'nodeKey': " + e.getMessage());
            return;
        }
        boolean allow = admits.test(key);
        metrics.relayAdmit(allow);
        send(ctx, 200, Map.of("allow", allow));
    }

    private static void error(Context ctx, int status, String code, String message) throws IOException {
        send(ctx, status, Map.of("error", Map.of("code", code, "message", message)));
    }

    private static void send(Context ctx, int status, Object body) throws IOException {
        ctx.status(status).contentType("application/json").result(ControlJson.mapper().writeValueAsBytes(body));
    }
}
