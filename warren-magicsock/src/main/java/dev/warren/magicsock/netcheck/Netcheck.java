package dev.warren.magicsock.netcheck;

import dev.warren.magicsock.portmap.Protocols;
import dev.warren.magicsock.relay.RelayLinks;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.stun.StunMessage;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs netcheck reports (FIELD §4) over magicsock's socket.
 *
 * <p>What: {@link #run} sends a STUN Binding request to every STUN-capable node of every region, on IPv4 and IPv6
 * where the node has an address, {@link #TRIES} times {@link #RETRY_NANOS} apart (each try a new transaction id);
 * {@link #onStun} (called by magicsock's demultiplexer for every STUN datagram) matches responses. The STUN phase
 * ends when every probe answered or after {@link #STUN_TIMEOUT_NANOS}. If no STUN reply came, region latency is
 * measured over the relay links instead. The port-mapping probe runs in parallel. The home region is chosen with
 * {@link #chooseHome}: keep the previous home unless the new best is more than 10 ms faster and under 2/3 of it.
 *
 * <p>Why from magicsock's socket: the NAT mapping that matters is that socket's — it is what peers must reach.
 *
 * <p>Threads: probes are sent from the caller's and scheduler threads, responses arrive on socket receive threads,
 * the relay and port-mapping probes run on virtual threads. State of a run is guarded by {@code lock}.
 */
public final class Netcheck {
    public static final int TRIES = 3;
    public static final long RETRY_NANOS = 100_000_000L;
    public static final long STUN_TIMEOUT_NANOS = 3_000_000_000L;
    public static final Duration RELAY_PING_TIMEOUT = Duration.ofSeconds(2);
    static final long HOME_MIN_IMPROVEMENT_NANOS = 10_000_000L;

    /** Sends one STUN datagram from magicsock's socket. */
    public interface StunSender {
        void send(byte[] packet, InetSocketAddress to) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Scheduler scheduler;
    private final StunSender sender;
    private final RelayLinks relays;
    private final Supplier<Protocols> portmap;
    private final Object lock = new Object();
    // guarded by lock: transaction id (hex) → probe of the running report(s)
    private final Map<String, Probe> inFlight = new HashMap<>();

    /**
     * @param relays  for latency when UDP is blocked; may be null
     * @param portmap probes the gateway's port-mapping protocols (blocking, run on a virtual thread); may be null
     */
    public Netcheck(Clock clock, Scheduler scheduler, StunSender sender, RelayLinks relays,
                    Supplier<Protocols> portmap) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.sender = sender;
        this.relays = relays;
        this.portmap = portmap;
    }

    /** One STUN target: a relay node's address. */
    private record Target(RelayMap.RelayRegion region, InetSocketAddress server) {
    }

    private record Answer(Target target, long latencyNanos, InetSocketAddress mapped) {
    }

    private record Probe(Run run, Target target, long sentAt) {
    }

    /** One report in progress. */
    private final class Run {
        final RelayMap map;
        final int previousHome;
        final List<Target> targets;
        final CompletableFuture<NetcheckReport> result = new CompletableFuture<>();
        final CompletableFuture<Protocols> protocols;
        // guarded by lock
        final Map<Target, Answer> answers = new LinkedHashMap<>();
        // guarded by lock
        final List<Scheduler.Task> timers = new ArrayList<>();
        // guarded by lock
        boolean stunDone;

        Run(RelayMap map, int previousHome, List<Target> targets) {
            this.map = map;
            this.previousHome = previousHome;
            this.targets = targets;
            this.protocols = portmap == null ? CompletableFuture.completedFuture(Protocols.NONE)
                    : CompletableFuture.supplyAsync(portmap, r -> Thread.ofVirtual().start(r));
        }
    }

    /** Starts a report over {@code map}; {@code previousHome} (0 = none) feeds the home hysteresis. */
    public CompletableFuture<NetcheckReport> run(RelayMap map, int previousHome) {
        List<Target> targets = new ArrayList<>();
        for (RelayMap.RelayRegion r : map.regions()) {
            for (RelayMap.RelayNode n : r.nodes()) {
                if (n.stunPort() <= 0 || n.stunPort() > 65535) {
                    continue;
                }
                for (String ip : new String[]{n.ipv4(), n.ipv6()}) {
                    if (ip == null || ip.isEmpty()) {
                        continue;
                    }
                    try {
                        targets.add(new Target(r, new InetSocketAddress(InetAddress.ofLiteral(ip), n.stunPort())));
                    } catch (IllegalArgumentException e) {
                        // a bad literal in the relay map: that node is simply not probed
                    }
                }
            }
        }
        Run run = new Run(map, previousHome, targets);
        if (targets.isEmpty()) {
            finishStun(run);
            return run.result;
        }
        for (int t = 0; t < TRIES; t++) {
            synchronized (lock) {
                run.timers.add(scheduler.schedule(() -> sendTry(run), t * RETRY_NANOS));
            }
        }
        synchronized (lock) {
            run.timers.add(scheduler.schedule(() -> finishStun(run), STUN_TIMEOUT_NANOS));
        }
        return run.result;
    }

    private void sendTry(Run run) {
        for (Target t : run.targets) {
            byte[] txid = new byte[StunMessage.TRANSACTION_ID_SIZE];
            synchronized (lock) {
                if (run.stunDone || run.answers.containsKey(t)) {
                    continue;
                }
                RANDOM.nextBytes(txid);
                inFlight.put(HexFormat.of().formatHex(txid), new Probe(run, t, clock.nanoTime()));
            }
            try {
                sender.send(new StunMessage.BindingRequest(txid, "warren", List.of()).encode(), t.server());
            } catch (IOException | RuntimeException e) {
                // no route to this family or server: it stays unanswered
            }
        }
    }

    /**
     * A STUN datagram arrived on magicsock's socket from {@code src}. Returns true when it answered one of our
     * probes. Never throws on bad bytes.
     */
    public boolean onStun(byte[] b, int off, int len, InetSocketAddress src) {
        StunMessage m;
        try {
            m = StunMessage.decode(ByteBuffer.wrap(b, off, len));
        } catch (MalformedMessageException | RuntimeException e) {
            return false;
        }
        if (!(m instanceof StunMessage.BindingSuccess s) || s.address() == null) {
            return false;
        }
        Run finished = null;
        synchronized (lock) {
            Probe p = inFlight.get(HexFormat.of().formatHex(s.transactionId()));
            if (p == null || !sameAddress(p.target().server(), src)) {
                return false;
            }
            inFlight.remove(HexFormat.of().formatHex(s.transactionId()));
            Run run = p.run();
            if (run.stunDone) {
                return true;
            }
            run.answers.putIfAbsent(p.target(), new Answer(p.target(), clock.nanoTime() - p.sentAt(), s.address()));
            if (run.answers.size() == run.targets.size()) {
                finished = run;
            }
        }
        if (finished != null) {
            finishStun(finished);
        }
        return true;
    }

    private static boolean sameAddress(InetSocketAddress a, InetSocketAddress b) {
        return b != null && a.getPort() == b.getPort() && Endpoint.of(a).equals(Endpoint.of(
                new InetSocketAddress(b.getAddress(), b.getPort())));
    }

    private void finishStun(Run run) {
        List<Answer> answers;
        synchronized (lock) {
            if (run.stunDone) {
                return;
            }
            run.stunDone = true;
            run.timers.forEach(Scheduler.Task::cancel);
            inFlight.values().removeIf(p -> p.run() == run);
            answers = List.copyOf(run.answers.values());
        }
        if (!answers.isEmpty() || relays == null) {
            run.protocols.whenComplete((p, e) -> run.result.complete(build(run, answers, Map.of(),
                    e == null ? p : Protocols.NONE)));
            return;
        }
        Thread.ofVirtual().name("netcheck-relay-latency").start(() -> {
            Map<Integer, Long> viaRelay = new HashMap<>();
            for (RelayMap.RelayRegion r : run.map.regions()) {
                try {
                    viaRelay.put(r.id(), relays.ping(r.id(), RELAY_PING_TIMEOUT).toNanos());
                } catch (IOException | RuntimeException e) {
                    // unreachable region
                }
            }
            run.protocols.whenComplete((p, e) -> run.result.complete(build(run, answers, viaRelay,
                    e == null ? p : Protocols.NONE)));
        });
    }

    private NetcheckReport build(Run run, List<Answer> answers, Map<Integer, Long> viaRelay, Protocols protocols) {
        Answer bestV4 = null;
        Answer bestV6 = null;
        Map<Integer, Long> latency = new HashMap<>(viaRelay);
        Map<InetSocketAddress, InetSocketAddress> v4Mappings = new HashMap<>();
        for (Answer a : answers) {
            boolean v4 = a.target().server().getAddress() instanceof Inet4Address;
            if (v4) {
                if (bestV4 == null || a.latencyNanos() < bestV4.latencyNanos()) {
                    bestV4 = a;
                }
                v4Mappings.put(a.target().server(), a.mapped());
            } else if (bestV6 == null || a.latencyNanos() < bestV6.latencyNanos()) {
                bestV6 = a;
            }
            latency.merge(a.target().region().id(), a.latencyNanos(), Math::min);
        }
        Boolean varies = v4Mappings.size() < 2 ? null : v4Mappings.values().stream().distinct().count() > 1;
        List<NetcheckReport.RegionLatency> regions = new ArrayList<>();
        for (RelayMap.RelayRegion r : run.map.regions()) {
            Long l = latency.get(r.id());
            regions.add(new NetcheckReport.RegionLatency(r.id(), r.code(), l == null ? null : l / 1e6,
                    l == null ? null : viaRelay.containsKey(r.id()) ? "relay" : "stun"));
        }
        return new NetcheckReport(!answers.isEmpty(), bestV4 != null, bestV6 != null,
                bestV4 == null ? null : Endpoint.of(bestV4.mapped()).toString(),
                bestV6 == null ? null : Endpoint.of(bestV6.mapped()).toString(),
                varies, protocols.upnp(), protocols.pmp(), protocols.pcp(), regions,
                chooseHome(latency, run.previousHome));
    }

    /**
     * The home region from region latencies (nanoseconds): the fastest, except that the previous home is kept
     * while reachable unless the fastest is more than 10 ms faster and under 2/3 of its latency. 0 when none.
     */
    public static int chooseHome(Map<Integer, Long> latencyNanos, int previousHome) {
        int best = 0;
        long bestL = Long.MAX_VALUE;
        for (Map.Entry<Integer, Long> e : latencyNanos.entrySet()) {
            if (e.getValue() < bestL || (e.getValue() == bestL && e.getKey() < best)) {
                best = e.getKey();
                bestL = e.getValue();
            }
        }
        Long old = latencyNanos.get(previousHome);
        if (previousHome != 0 && old != null && best != previousHome) {
            boolean muchBetter = old - bestL > HOME_MIN_IMPROVEMENT_NANOS && bestL * 3 < old * 2;
            if (!muchBetter) {
                return previousHome;
            }
        }
        return best;
    }
}
