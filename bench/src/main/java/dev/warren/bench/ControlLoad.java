package dev.warren.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.warren.channel.ControlChannelClient;
import dev.warren.channel.ControlConnection;
import dev.warren.channel.ServerKey;
import dev.warren.crypto.X25519;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator of simulated nodes against one control server: real sockets, the real Noise channel and the
 * real control protocol, no TUN or WireGuard. Driven by {@code bench/control-load.sh}, which starts the server.
 *
 * <pre>
 * 1. register N nodes (C at a time): connect, Noise IK handshake, RegisterRequest → RegisterResponse  ⇒ rate
 * 2. open N map streams on the same connections, at most C awaiting their full map at a time; wait for
 *    every full map                                                                                   ⇒ time
 * 3. K endpoint changes, one at a time from random nodes: UpdateRequest at t0; each other node notes when the
 *    patch carrying the new endpoint arrives                                                           ⇒ p50/p99
 * 4. (with --admin-token) P policy sets through the admin API, one at a time, each changing every node's packet
 *    filter (allow "*" to one more port): PUT at t0; each node notes when the delta carrying its new filter
 *    arrives                                                       ⇒ time to the last node per set, p50/p99/max
 * </pre>
 *
 * All nodes live in this JVM, so one clock times both ends of a change. Readers decode only messages that can
 * carry a patch (deltas); of a full map they parse only the head (up to the node's own id) and count its bytes, so
 * the generator stays cheaper than the server it loads. Server memory is read after a full GC of the server
 * ({@code jcmd GC.run}, then {@code GC.heap_info}), with its RSS.
 */
public final class ControlLoad {
    private record Sim(int index, NodeKey nodeKey, ControlConnection conn) {
    }

    private final URI server;
    private final String authKey;
    private final int nodes;
    private final int concurrency;
    private final int changes;
    private final long serverPid;

    private final List<Sim> sims = new ArrayList<>();
    private final Map<Long, Integer> idToIndex = new ConcurrentHashMap<>();
    private final AtomicInteger fullMaps = new AtomicInteger();
    private final AtomicInteger streamFailures = new AtomicInteger();
    private final AtomicLong fullMapBytes = new AtomicLong();
    private final String compress;
    private final String histogram = System.getProperty("controlload.histogram");
    /** The change in flight: which node id, which endpoint text, when it was sent, and arrivals. */
    private volatile long changeNode = -1;
    private volatile String changeEndpoint = "";
    private volatile long changeSentNanos;
    private volatile CountDownLatch changeArrivals = new CountDownLatch(0);
    private final List<Long> latenciesNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    private final String adminToken;
    private final String domain;
    private final int policySets;
    /** The policy set in flight: the port every node's new filter must allow, when it was sent, and arrivals. */
    private volatile int policyPort = -1;
    private volatile long policySentNanos;
    private volatile CountDownLatch policyArrivals = new CountDownLatch(0);
    private final List<Long> filterLatenciesNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong lastFilterNanos = new AtomicLong();

    private ControlLoad(URI server, String authKey, int nodes, int concurrency, int changes, long serverPid,
                        String compress, String adminToken, String domain, int policySets) {
        this.compress = compress;
        this.adminToken = adminToken;
        this.domain = domain;
        this.policySets = policySets;
        this.server = server;
        this.authKey = authKey;
        this.nodes = nodes;
        this.concurrency = concurrency;
        this.changes = changes;
        this.serverPid = serverPid;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!a.containsKey("--server") || !a.containsKey("--auth-key")) {
            System.err.println("usage: ControlLoad --server URL --auth-key KEY [--nodes N] [--concurrency C] "
                    + "[--changes K] [--server-pid PID] [--compress deflate|none] [--admin-token T --domain D"
                    + " --policy-sets P]");
            System.exit(2);
        }
        new ControlLoad(URI.create(a.get("--server")), a.get("--auth-key"),
                Integer.parseInt(a.getOrDefault("--nodes", "1000")),
                Integer.parseInt(a.getOrDefault("--concurrency", "64")),
                Integer.parseInt(a.getOrDefault("--changes", "20")),
                Long.parseLong(a.getOrDefault("--server-pid", "0")),
                "none".equals(a.getOrDefault("--compress", "deflate")) ? null : a.getOrDefault("--compress", "deflate"),
                a.get("--admin-token"), a.getOrDefault("--domain", "load"),
                Integer.parseInt(a.getOrDefault("--policy-sets", "5")))
                .run();
        System.exit(0);
    }

    private void run() throws Exception {
        PublicKey serverKey = ServerKey.fetch(server, Duration.ofSeconds(10));
        // 1. registrations
        Semaphore gate = new Semaphore(concurrency);
        Sim[] made = new Sim[nodes];
        AtomicInteger failures = new AtomicInteger();
        long t0 = System.nanoTime();
        long cpu0 = serverCpuNanos();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < nodes; i++) {
                int index = i;
                gate.acquire();
                exec.submit(() -> {
                    try {
                        made[index] = register(index, serverKey);
                    } catch (Exception e) {
                        if (failures.incrementAndGet() <= 5) {
                            System.err.println("node " + index + ": " + e);
                        }
                    } finally {
                        gate.release();
                    }
                    return null;
                });
            }
        }
        double regSecs = (System.nanoTime() - t0) / 1e9;
        for (Sim s : made) {
            if (s != null) {
                sims.add(s);
            }
        }
        report("registered", String.format("%d nodes in %.1f s = %.0f registrations/s (%d failed), server CPU %.1f s",
                sims.size(), regSecs, sims.size() / regSecs, failures.get(), (serverCpuNanos() - cpu0) / 1e9));
        report("server after registration", memory());

        // 2. map streams, at most `concurrency` awaiting their full map
        t0 = System.nanoTime();
        cpu0 = serverCpuNanos();
        Semaphore awaiting = new Semaphore(concurrency);
        for (Sim s : sims) {
            awaiting.acquire();
            Thread.ofVirtual().name("sim-reader-" + s.index()).start(() -> read(s, awaiting));
            s.conn().send(ControlJson.encode(new MapRequest(CapabilityVersion.CURRENT, s.nodeKey(), true, null,
                    List.of(endpoint(s.index(), 0)), null, 0, compress)));
        }
        while (fullMaps.get() + streamFailures.get() < sims.size()) {
            Thread.sleep(20);
            if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(30)) {
                throw new IOException("only " + fullMaps.get() + " of " + sims.size() + " full maps after 30 min");
            }
        }
        double mapSecs = (System.nanoTime() - t0) / 1e9;
        report("streams", String.format("%d full maps of %d peers in %.1f s (%.0f MB received, %s, %d streams "
                        + "failed), server CPU %.1f s", fullMaps.get(), sims.size() - 1, mapSecs,
                fullMapBytes.get() / 1e6, compress == null ? "uncompressed" : compress, streamFailures.get(),
                (serverCpuNanos() - cpu0) / 1e9));
        Thread.sleep(3000); // let online-state patches of the stream start settle
        report("server with all streams open", memory());
        if (histogram != null) {
            Files.writeString(Path.of(histogram), jcmd("GC.class_histogram"));
        }

        // 3. endpoint changes
        java.util.Random random = new java.util.Random(42);
        cpu0 = serverCpuNanos();
        int timedOut = 0;
        for (int k = 1; k <= changes; k++) {
            Sim s = sims.get(random.nextInt(sims.size()));
            Long id = idOf(s.index());
            if (id == null) {
                continue;
            }
            String ep = endpoint(s.index(), k);
            changeArrivals = new CountDownLatch(sims.size() - 1);
            changeEndpoint = ep;
            changeNode = id;
            changeSentNanos = System.nanoTime();
            s.conn().send(ControlJson.encode(new UpdateRequest(List.of(ep), null)));
            if (!changeArrivals.await(30, TimeUnit.SECONDS)) {
                timedOut++;
            }
            changeNode = -1;
            Thread.sleep(200);
        }
        long cpu = serverCpuNanos() - cpu0;
        long[] lat;
        synchronized (latenciesNanos) {
            lat = latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        report("endpoint change → every peer", lat.length == 0 ? "no arrivals" : String.format(
                "%d changes × %d peers: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d changes timed out; "
                        + "server CPU %.1f ms per change (incl. 200 ms idle gaps' keep-alives)",
                changes, sims.size() - 1, pct(lat, 50), pct(lat, 99), lat[lat.length - 1] / 1e6, timedOut,
                cpu / 1e6 / changes));
        if (adminToken != null && policySets > 0) {
            policySets();
        }
        for (Sim s : sims) {
            s.conn().close();
        }
    }

    /** Phase 4: policy sets that change every node's filter; the time until the last node has its new filter. */
    private void policySets() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        URI uri = URI.create(server + "/api/v1/domains/" + domain + "/policy");
        long[] lastPerSet = new long[policySets];
        double[] compileMs = new double[policySets];
        int timedOut = 0;
        long cpu0 = serverCpuNanos();
        for (int k = 0; k < policySets; k++) {
            int port = 1000 + k;
            String text = "// load test " + k + ": everyone may reach every node on port " + port + " only\n"
                    + "{\"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:" + port + "\"]}]}\n";
            policyArrivals = new CountDownLatch(fullMaps.get());
            lastFilterNanos.set(0);
            policyPort = port;
            policySentNanos = System.nanoTime();
            var r = http.send(java.net.http.HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + adminToken).header("Content-Type", "text/plain")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(text)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("policy set refused: HTTP " + r.statusCode() + " " + r.body());
            }
            compileMs[k] = ControlJson.mapper().readTree(r.body()).path("compileMillis").asDouble();
            if (!policyArrivals.await(60, TimeUnit.SECONDS)) {
                timedOut++;
            }
            lastPerSet[k] = lastFilterNanos.get() - policySentNanos;
            policyPort = -1;
            Thread.sleep(500);
        }
        long cpu = serverCpuNanos() - cpu0;
        long[] lat;
        synchronized (filterLatenciesNanos) {
            lat = filterLatenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        java.util.Arrays.sort(lastPerSet);
        java.util.Arrays.sort(compileMs);
        report("policy set → last node's filter", String.format("%d sets × %d nodes: last node p50 %.1f ms, p99 %.1f"
                        + " ms, max %.1f ms; every node p50 %.1f ms, p99 %.1f ms; compile p50 %.1f ms; %d sets timed"
                        + " out; server CPU %.0f ms per set", policySets, fullMaps.get(), pct(lastPerSet, 50),
                pct(lastPerSet, 99), lastPerSet[lastPerSet.length - 1] / 1e6, lat.length == 0 ? 0 : pct(lat, 50),
                lat.length == 0 ? 0 : pct(lat, 99), compileMs[compileMs.length / 2], timedOut,
                cpu / 1e6 / policySets));
    }

    private Sim register(int index, PublicKey serverKey) throws IOException, MalformedMessageException {
        PrivateKey machine = X25519.generatePrivateKey();
        PrivateKey node = X25519.generatePrivateKey();
        NodeKey nk = NodeKey.of(X25519.publicKey(node));
        ControlConnection c = ControlChannelClient.connect(server, serverKey, machine, Duration.ofSeconds(60));
        c.send(ControlJson.encode(new RegisterRequest(CapabilityVersion.CURRENT, nk, null, authKey,
                new Hostinfo("sim" + index, "linux", "load"), false, null, null)));
        ControlMessage m = ControlJson.decode(c.receive());
        if (m instanceof ErrorMessage e) {
            c.close();
            throw new IOException("register refused: " + e.message());
        }
        if (!(m instanceof RegisterResponse r) || !r.machineAuthorized()) {
            c.close();
            throw new IOException("register: unexpected " + m);
        }
        return new Sim(index, nk, c);
    }

    private void read(Sim s, Semaphore awaiting) {
        boolean first = true;
        byte[] marker = "peersChangedPatch".getBytes(StandardCharsets.US_ASCII);
        try {
            while (true) {
                byte[] msg;
                try {
                    msg = s.conn().receive();
                } finally {
                    if (first) {
                        awaiting.release();
                    }
                }
                if (first) {
                    first = false;
                    long id = selfId(msg);
                    if (id < 0) {
                        streamFailures.incrementAndGet();
                        System.err.println("node " + s.index() + ": first message is no full map");
                        return;
                    }
                    idToIndex.put(id, s.index());
                    fullMapBytes.addAndGet(msg.length);
                    fullMaps.incrementAndGet();
                    continue;
                }
                int port = policyPort;
                if (port >= 0 && notePolicy(msg, port)) {
                    continue;
                }
                long want = changeNode;
                if (want < 0) {
                    continue;
                }
                boolean compressed = msg.length > 0 && msg[0] != '{';
                if (!compressed && indexOf(msg, marker) < 0) {
                    continue;
                }
                long now = System.nanoTime();
                if (ControlJson.decode(msg) instanceof MapResponse r && r.peersChangedPatch() != null) {
                    for (PeerPatch p : r.peersChangedPatch()) {
                        if (p.nodeId() == want && p.endpoints() != null && p.endpoints().contains(changeEndpoint)) {
                            latenciesNanos.add(now - changeSentNanos);
                            changeArrivals.countDown();
                        }
                    }
                }
            }
        } catch (IOException | MalformedMessageException | ClassCastException e) {
            if (first) {
                streamFailures.incrementAndGet();
            }
            // else: connection closed at the end of the run, or the server dropped it
        }
    }

    /** Notes the arrival of a filter that allows {@code port}; returns whether {@code msg} carried a filter. */
    private boolean notePolicy(byte[] msg, int port) throws IOException, MalformedMessageException {
        boolean compressed = msg.length > 0 && msg[0] != '{';
        if (!compressed && indexOf(msg, FILTER_MARKER) < 0) {
            return false;
        }
        long now = System.nanoTime();
        if (ControlJson.decode(msg) instanceof MapResponse r && r.packetFilter() != null) {
            boolean allows = r.packetFilter().stream().flatMap(f -> f.destinations().stream())
                    .anyMatch(d -> d.containsPort(port));
            if (allows) {
                filterLatenciesNanos.add(now - policySentNanos);
                lastFilterNanos.accumulateAndGet(now, Math::max);
                policyArrivals.countDown();
            }
            return true;
        }
        return false;
    }

    private static final byte[] FILTER_MARKER = "\"packetFilter\"".getBytes(StandardCharsets.US_ASCII);

    /** The id of the node a full map is for, from the head of the message only; -1 if it is not a map. */
    static long selfId(byte[] msg) throws IOException {
        java.io.InputStream in = ControlJson.isCompressed(msg)
                ? ControlJson.inflating(msg) : new java.io.ByteArrayInputStream(msg);
        try (JsonParser p = ControlJson.mapper().getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("node".equals(field) && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        if ("id".equals(f)) {
                            return p.getLongValue();
                        }
                        p.skipChildren();
                    }
                    return -1;
                }
                p.skipChildren();
            }
            return -1;
        }
    }

    private Long idOf(int index) {
        for (Map.Entry<Long, Integer> e : idToIndex.entrySet()) {
            if (e.getValue() == index) {
                return e.getKey();
            }
        }
        return null;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length && i < 4096; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String endpoint(int index, int generation) {
        return "10." + ((index >> 8) & 0xff) + "." + (index & 0xff) + "." + (1 + generation % 250) + ":41641";
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private long serverCpuNanos() {
        if (serverPid <= 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ = 100
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private String memory() {
        if (serverPid <= 0) {
            return "(no --server-pid)";
        }
        String rss = "?";
        try {
            rss = Files.readAllLines(Path.of("/proc/" + serverPid + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS")).map(l -> l.replaceAll("\\D+", "")).findFirst()
                    .map(kb -> Long.parseLong(kb) / 1024 + " MB").orElse("?");
        } catch (IOException e) {
            // process gone
        }
        String heap = "?";
        try {
            jcmd("GC.run");
            long used = 0;
            long total = 0;
            java.util.regex.Pattern gen = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K");
            for (String l : jcmd("GC.heap_info").split("\n")) {
                java.util.regex.Matcher m = gen.matcher(l);
                if (m.find() && !l.contains("Metaspace") && !l.contains("class space")) {
                    total += Long.parseLong(m.group(1));
                    used += Long.parseLong(m.group(2));
                }
            }
            heap = used == 0 ? "?" : String.format("%d MB used after full GC (of %d MB committed)", used / 1024,
                    total / 1024);
        } catch (IOException e) {
            // no jcmd on the PATH
        }
        return "RSS " + rss + "; heap " + heap;
    }

    private String jcmd(String command) throws IOException {
        Process p = new ProcessBuilder("jcmd", Long.toString(serverPid), command).redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void report(String what, String text) {
        System.out.printf("%-32s %s%n", what, text);
    }
}
