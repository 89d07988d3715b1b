package dev.warren.control.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** Meters of one control server; thread-safe. */
public final class ControlMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Counter mapMessages;
    private final Counter keepAlives;
    private final Counter registrations;
    private final Timer changeToSend;
    private final Timer fullMap;
    private final Counter admitAllowed;
    private final Counter admitDenied;
    private final Counter admitUnauthorized;
    private final Counter admitMalformed;
    private final Timer policyCompileSet;
    private final Timer policyCompileNodes;
    private final Counter policyAffectedSet;
    private final Counter policyAffectedNodes;

    public ControlMetrics(IntSupplier nodes) {
        Gauge.builder("warren_control_nodes", nodes::getAsInt).description("registered nodes").register(registry);
        Gauge.builder("warren_control_map_streams", openStreams::get).description("open map streams")
                .register(registry);
        mapMessages = Counter.builder("warren_control_map_messages_sent")
                .description("map responses sent (full and delta)")
                .register(registry);
        keepAlives = Counter.builder("warren_control_map_keepalives_sent").description("keep-alive map responses sent")
                .register(registry);
        registrations = Counter.builder("warren_control_registrations").description("successful registrations")
                .register(registry);
        changeToSend = Timer.builder("warren_control_change_to_send")
                .description("time from a change being queued for a stream to its message being sent")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        fullMap = Timer.builder("warren_control_full_map")
                .description("time to build and encode a stream's full map (peer list and JSON, not sending)")
                .publishPercentiles(0.5, 0.99).register(registry);
        policyCompileSet = policyTimer("policy");
        policyCompileNodes = policyTimer("nodes");
        policyAffectedSet = policyAffected("policy");
        policyAffectedNodes = policyAffected("nodes");
        admitAllowed = admit("allow");
        admitDenied = admit("deny");
        admitUnauthorized = admit("unauthorized");
        admitMalformed = admit("malformed");
    }

    private Timer policyTimer(String cause) {
        return Timer.builder("warren_control_policy_compile").tag("cause", cause)
                .description("time to compile a domain's access policy after a policy set (cause=policy) or to"
                        + " update it after node changes (cause=nodes)")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    private Counter policyAffected(String cause) {
        return Counter.builder("warren_control_policy_nodes_affected").tag("cause", cause)
                .description("nodes whose packet filter or peer set a policy compilation changed (each gets a delta)")
                .register(registry);
    }

    /**
     * One policy compilation: {@code cause} "policy" (a policy set) or "nodes" (node changes), its duration and
     * the number of nodes it sent a new filter or peer set to.
     */
    public void policyCompiled(String cause, long nanos, int nodesAffected) {
        boolean set = "policy".equals(cause);
        (set ? policyCompileSet : policyCompileNodes).record(Duration.ofNanos(Math.max(0, nanos)));
        (set ? policyAffectedSet : policyAffectedNodes).increment(nodesAffected);
    }

    private Counter admit(String result) {
        return Counter.builder("warren_control_relay_admit").tag("result", result)
                .description("relay admission checks (GET /relay/admit) by result").register(registry);
    }

    /** One relay admission check: {@code allowed} (a known, authorized, unexpired node) or not. */
    public void relayAdmit(boolean allowed) {
        (allowed ? admitAllowed : admitDenied).increment();
    }

    /** A relay admission call without the right relay token. */
    public void relayAdmitUnauthorized() {
        admitUnauthorized.increment();
    }

    /** A relay admission call with a malformed node key. */
    public void relayAdmitMalformed() {
        admitMalformed.increment();
    }

    public void fullMapBuilt(long nanos) {
        fullMap.record(Duration.ofNanos(Math.max(0, nanos)));
    }

    public void streamOpened() {
        openStreams.incrementAndGet();
    }

    public void streamClosed() {
        openStreams.decrementAndGet();
    }

    public int openStreams() {
        return openStreams.get();
    }

    public void mapMessageSent() {
        mapMessages.increment();
    }

    public void keepAliveSent() {
        keepAlives.increment();
    }

    public void registered() {
        registrations.increment();
    }

    public void changeSent(long latencyNanos) {
        changeToSend.record(Duration.ofNanos(Math.max(0, latencyNanos)));
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
