package dev.warren.relay.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which node keys may use the relay. Every client first proves it holds its key (the ClientInfo box opens); then,
 * with a control server configured, the relay asks it whether the key belongs to a node it knows:
 *
 * <pre>
 * GET {control}/relay/admit?nodeKey=nodekey:&lt;64 hex&gt;     Authorization: Bearer &lt;token&gt;
 * 200 {"allow": true}  or  200 {"allow": false}
 * </pre>
 *
 * Answers are cached per key — an allow for {@link #ALLOW_TTL}, a deny for {@link #DENY_TTL} — so a reconnect
 * storm costs control one request per key a minute. When control cannot be asked (unreachable, timeout, a status
 * other than 200, a body that is not that JSON) a key with a cached allow, even an expired one, is still admitted
 * and an unknown key is refused; the outage is logged once when it starts and once when it ends. Without a control
 * server every key that proves possession is admitted ({@link #allowAll()}).
 *
 * <p>Threads: {@link #check} is called by connection threads concurrently and blocks for at most the request
 * timeout; the cache is a concurrent map.
 */
public final class Admission {
    /** How long an allow is believed without asking again. */
    public static final Duration ALLOW_TTL = Duration.ofMinutes(1);
    /** How long a deny is believed without asking again. */
    public static final Duration DENY_TTL = Duration.ofSeconds(10);
    /** Most cached decisions; past this, expired ones are dropped, then denies. */
    static final int MAX_CACHE = 100_000;
    private static final Logger LOG = Logger.getLogger(Admission.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome for one key; {@code reason} is shown to the refused client and logged. */
    public record Decision(boolean allowed, String reason) {
    }

    private record Cached(boolean allow, long expiresNanos) {
    }

    private final URI control;
    private final String token;
    private final Clock clock;
    private final Duration timeout;
    private final HttpClient http;
    private final Map<PublicKey, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicBoolean controlDown = new AtomicBoolean();

    private Admission(URI control, String token, Clock clock, Duration timeout) {
        this.control = control;
        this.token = token;
        this.clock = clock;
        this.timeout = timeout;
        this.http = control == null ? null : HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Admits every key that proves possession. */
    public static Admission allowAll() {
        return new Admission(null, null, null, null);
    }

    /**
     * Asks the control server at {@code controlUrl} (http or https, no trailing path needed) with bearer
     * {@code token}; each request times out after {@code timeout}.
     */
    public static Admission control(URI controlUrl, String token, Clock clock, Duration timeout) {
        Objects.requireNonNull(controlUrl, "controlUrl");
        Objects.requireNonNull(clock, "clock");
        String scheme = controlUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || controlUrl.getHost() == null) {
            throw new IllegalArgumentException("control URL '" + controlUrl + "' must be http://HOST[:PORT] or"
                    + " https://HOST[:PORT]");
        }
        if (token == null || token.isBlank() || token.strip().chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("control token must be non-empty printable ASCII without spaces");
        }
        String base = controlUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return new Admission(URI.create(base), token.strip(), clock, timeout);
    }

    /** Whether a control server is asked (false: everyone is admitted). */
    public boolean checksControl() {
        return control != null;
    }

    /** The control server asked, or null. */
    public URI controlUrl() {
        return control;
    }

    /** Decides for {@code key}; may block on control for up to the timeout. */
    public Decision check(PublicKey key) {
        if (control == null) {
            return new Decision(true, "no admission control");
        }
        long now = clock.nanoTime();
        Cached c = cache.get(key);
        if (c != null && now - c.expiresNanos < 0) {
            return decision(c.allow, "cached");
        }
        Boolean answer = ask(key);
        if (answer == null) {
            if (c != null && c.allow) {
                return new Decision(true, "control unreachable; key allowed before");
            }
            return new Decision(false, "admission refused: control server unreachable and node key not known yet");
        }
        remember(key, answer, now);
        return decision(answer, "control");
    }

    private static Decision decision(boolean allow, String source) {
        return allow ? new Decision(true, source)
                : new Decision(false, "admission refused: node key not known to the control server");
    }

    private void remember(PublicKey key, boolean allow, long now) {
        if (cache.size() >= MAX_CACHE) {
            cache.values().removeIf(v -> now - v.expiresNanos >= 0);
            if (cache.size() >= MAX_CACHE) {
                cache.values().removeIf(v -> !v.allow);
            }
        }
        cache.put(key, new Cached(allow, now + (allow ? ALLOW_TTL : DENY_TTL).toNanos()));
    }

    /** True/false from control, or null when control could not give an answer. */
    private Boolean ask(PublicKey key) {
        URI uri = URI.create(control + "/relay/admit?nodeKey=" + NodeKey.of(key));
        String problem;
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET()
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) {
                JsonNode allow = parse(r.body()).get("allow");
                if (allow != null && allow.isBoolean()) {
                    if (controlDown.compareAndSet(true, false)) {
                        LOG.info("relay admission: control server " + control + " answers again");
                    }
                    return allow.booleanValue();
                }
                problem = "answered 200 without a boolean \"allow\" field";
            } else {
                problem = "answered HTTP " + r.statusCode();
            }
        } catch (IOException e) {
            problem = "cannot be reached: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        if (controlDown.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "relay admission: control server " + control + " " + problem
                    + "; admitting only keys it allowed before until it answers again");
        }
        return null;
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
