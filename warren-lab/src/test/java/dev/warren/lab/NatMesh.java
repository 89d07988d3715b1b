package dev.warren.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.testing.lab.Netns;
import dev.warren.testing.nat.NatLab;
import dev.warren.testing.nat.StunResponder;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A Warren network inside a {@link NatLab}, started exactly as a user starts one: {@code warren control serve}
 * on the internet server {@code ctl} (203.0.113.1:8080) with a relay map of one region, {@code warren relay
 * serve} with its STUN server on the internet server {@code relay} (203.0.113.2, TCP 443 and UDP 3478, admitting
 * only node keys control knows), a second STUN server ({@link StunResponder}) on {@code ctl} (203.0.113.1, UDP
 * 3478) listed as a STUN-only second node of the region — netcheck needs two STUN servers to tell a hard NAT
 * (mapping varies by destination) from an easy one, and the birthday rounds of ADR 0015 need that verdict —
 * and {@code warren node} + {@code warren up} on any of the lab's hosts. The NAT
 * traversal lab test builds one lab with every router it needs and reuses this control and relay for all its
 * scenarios; each scenario starts only its own two nodes and stops them afterwards, so the machine runs at most
 * a handful of JVMs at once.
 *
 * <p>The CLI talks to each node through its Unix socket (a file under the lab's work directory), so it runs on
 * the host; the daemons run in the namespaces. Logs stay in the lab's work directory for diagnosis.
 *
 * <p>Threads: used from the test thread only; {@link NatLab} serialises topology changes itself.
 */
final class NatMesh implements AutoCloseable {
    static final String CONTROL_SERVER = "ctl";
    static final String RELAY_SERVER = "relay";
    static final int CONTROL_PORT = 8080;
    static final int RELAY_PORT = 443;
    static final int STUN_PORT = 3478;
    /** The relay region's code: status paths through it read "relay lab". */
    static final String REGION = "lab";
    static final Duration START = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NatLab lab;
    private final Path work;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private String controlUrl;
    private String authKey;

    private NatMesh(NatLab lab) throws IOException {
        this.lab = lab;
        this.work = Files.createDirectories(lab.workDir().resolve("warren"));
    }

    /**
     * Starts control and the relay on a lab that has servers {@value #CONTROL_SERVER} and {@value #RELAY_SERVER};
     * closes the lab when that fails.
     */
    static NatMesh start(NatLab lab) throws Exception {
        NatMesh m = new NatMesh(lab);
        try {
            m.startServers();
            return m;
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
    }

    NatLab lab() {
        return lab;
    }

    String relayAddress() {
        return lab.server(RELAY_SERVER).address();
    }

    private void startServers() throws Exception {
        String ctl = lab.server(CONTROL_SERVER).address();
        String relay = relayAddress();
        controlUrl = "http://" + ctl + ":" + CONTROL_PORT;
        Path state = Files.createDirectories(work.resolve("control"));
        Path map = work.resolve("relay-map.json");
        Files.writeString(map, """
                {"regions": [{"id": 1, "code": "%s", "name": "NAT lab relay",
                              "nodes": [{"name": "lab1", "host": "%s", "ipv4": "%s", "port": %d, "stunPort": %d,
                                         "tls": false},
                                        {"name": "lab-stun", "host": "%s", "ipv4": "%s", "port": %d, "stunPort": %d,
                                         "tls": false}]}]}
                """.formatted(REGION, relay, relay, RELAY_PORT, STUN_PORT, ctl, ctl, RELAY_PORT, STUN_PORT));
        startSecondStun(ctl);
        NatLab.Background control = lab.spawn(CONTROL_SERVER, "control", LabEnv.WARREN.toString(), "control",
                "serve", "--listen", ctl + ":" + CONTROL_PORT, "--url", controlUrl, "--state", state.toString(),
                "--relay-map", map.toString());
        if (!LabEnv.eventually(START, () -> Files.exists(state.resolve("control.json")) || !control.alive())
                || !control.alive()) {
            fail("warren control serve did not start within " + START + ":\n" + control.log());
        }
        admin(state, "domain", "create", "nat");
        String out = admin(state, "authkey", "create", "--domain", "nat", "--reusable", "--preapproved").strip();
        authKey = out.substring(out.lastIndexOf('\n') + 1).strip();
        admin(state, "relay-token");
        Path token = state.resolve("relay.token");
        NatLab.Background relayd = lab.spawn(RELAY_SERVER, "relay", LabEnv.WARREN.toString(), "relay", "serve",
                "--listen", relay + ":" + RELAY_PORT, "--stun-port", Integer.toString(STUN_PORT), "--control",
                controlUrl, "--control-token", token.toString());
        boolean up = LabEnv.eventually(START, () -> !relayd.alive()
                || (listening(RELAY_SERVER, "-lnt", RELAY_PORT) && listening(RELAY_SERVER, "-lnu", STUN_PORT)));
        if (!up || !relayd.alive()) {
            fail("warren relay serve did not start within " + START + ":\n" + relayd.log());
        }
    }

    /**
     * Starts {@link StunResponder} on {@code ctl}'s address (a JVM of its own in that namespace, stopped with the
     * lab): the region's second STUN server. Relay clients only dial a region's first node, so nothing connects
     * to this one over TCP.
     */
    private void startSecondStun(String ctl) throws Exception {
        String cp = location(StunResponder.class) + File.pathSeparator
                + location(dev.warren.wire.stun.StunMessage.class);
        NatLab.Background stun = lab.spawn(CONTROL_SERVER, "stun", Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-XX:+UseSerialGC", "-Xmx32m", "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true", "-cp", cp, StunResponder.class.getName(), ctl,
                Integer.toString(STUN_PORT));
        if (!LabEnv.eventually(START, () -> !stun.alive() || listening(CONTROL_SERVER, "-lnu", STUN_PORT))
                || !stun.alive()) {
            fail("the second STUN server did not start within " + START + ":\n" + stun.log());
        }
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private boolean listening(String node, String ssFlags, int port) throws IOException {
        return lab.exec(node, Duration.ofSeconds(5), "ss", ssFlags).output().contains(":" + port + " ");
    }

    private String admin(Path state, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LabEnv.WARREN.toString(), "control"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--state", state.toString()));
        Netns.Result r = lab.exec(CONTROL_SERVER, Duration.ofSeconds(60), cmd.toArray(String[]::new));
        if (!r.ok()) {
            fail("warren control " + String.join(" ", args) + " failed (" + r.status() + "): " + r.output());
        }
        return r.output();
    }

    /** Starts {@code warren node} on lab host {@code host} and logs it in ({@code warren up}, hostname = host). */
    Node startNode(String host) throws Exception {
        Node n = nodes.get(host);
        if (n == null) {
            n = new Node(host, Files.createDirectories(work.resolve(host)));
            nodes.put(host, n);
        }
        n.start();
        return n;
    }

    /** Stops every node (control and the relay stop with the lab). */
    void stopNodes() {
        nodes.values().forEach(Node::stop);
    }

    @Override
    public void close() {
        stopNodes();
        lab.close();
    }

    /** Runs the CLI on the host; never throws for a non-zero status. */
    static Netns.Result cli(Duration timeout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LabEnv.WARREN.toString()));
        cmd.addAll(List.of(args));
        return Netns.runResult(timeout, cmd.toArray(String[]::new));
    }

    /** One {@code warren node} on a lab host. */
    final class Node {
        private final String name;
        private final Path dir;
        private final Path socket;
        private NatLab.Background process;
        private String v4;

        Node(String name, Path dir) {
            this.name = name;
            this.dir = dir;
            this.socket = dir.resolve("warren.sock");
        }

        String name() {
            return name;
        }

        /** This node's Warren IPv4 address. */
        String v4() {
            return v4;
        }

        void start() throws Exception {
            Files.deleteIfExists(socket);
            process = lab.spawn(name, "node", "env", "LOG_LEVEL=verbose", LabEnv.WARREN.toString(), "node", "--state",
                    dir.resolve("state").toString(), "--socket", socket.toString());
            if (!LabEnv.eventually(START, () -> Files.exists(socket) || !process.alive()) || !process.alive()) {
                fail("warren node on " + name + " did not open its socket within " + START + ":\n" + process.log());
            }
            Netns.Result r = cli(START, "up", "--login-server", controlUrl, "--auth-key", authKey, "--hostname",
                    name, "--socket", socket.toString());
            if (!r.ok()) {
                fail("warren up on " + name + " failed (" + r.status() + "): " + r.output() + "\nnode log:\n"
                        + process.log());
            }
            Netns.Result ip = cli(START, "ip", "-4", "--socket", socket.toString());
            if (!ip.ok()) {
                fail("warren ip -4 on " + name + " failed: " + ip.output());
            }
            v4 = ip.output().strip();
        }

        void stop() {
            if (process != null) {
                process.stop();
            }
        }

        String log() {
            return process == null ? "" : process.log();
        }

        /** {@code warren status --json}, parsed. */
        JsonNode status() throws IOException {
            Netns.Result r = cli(Duration.ofSeconds(30), "status", "--json", "--socket", socket.toString());
            if (!r.ok()) {
                throw new IOException("warren status --json on " + name + " failed (" + r.status() + "): "
                        + r.output());
            }
            String out = r.output();
            return JSON.readTree(out.substring(out.indexOf('{')));
        }

        /** The status row of peer {@code peer}, or null when this node does not know it (yet). */
        JsonNode peer(String peer) throws IOException {
            for (JsonNode p : status().path("peers")) {
                if (peer.equals(p.path("name").asText())) {
                    return p;
                }
            }
            return null;
        }

        /** The PATH of peer {@code peer} as {@code warren status} shows it ("direct IP:PORT", "relay lab", "-"). */
        String pathTo(String peer) throws IOException {
            JsonNode p = peer(peer);
            return p == null ? "(unknown peer)" : p.path("path").asText("-");
        }

        /** Runs a command in this node's namespace and waits for it. */
        Netns.Result exec(Duration timeout, String... cmd) throws IOException {
            return lab.exec(name, timeout, cmd);
        }

        /** Starts a command in this node's namespace in the background. */
        NatLab.Background spawn(String logName, String... cmd) throws IOException {
            return lab.spawn(name, logName, cmd);
        }
    }

    /**
     * A kernel ping through the tunnel ({@code ping -D}: every reply with its epoch timestamp), started at
     * {@link #startMillis} (epoch ms, read just before the process starts, so every time measured from it is at
     * most a few ms longer than from the first packet itself).
     */
    static final class Ping implements AutoCloseable {
        private static final Pattern REPLY = Pattern.compile(
                "^\\[(\\d+\\.\\d+)] \\d+ bytes from [^:]+: icmp_seq=(\\d+) ttl=\\d+ time=([\\d.]+) ms");
        final long startMillis;
        final NatLab.Background process;

        /** One echo reply: when it arrived (epoch ms), its sequence number, its round trip (ms). */
        record Reply(double atMillis, int seq, double rttMillis) {
            /** When its request was sent (epoch ms). */
            double sentMillis() {
                return atMillis - rttMillis;
            }
        }

        private Ping(long startMillis, NatLab.Background process) {
            this.startMillis = startMillis;
            this.process = process;
        }

        /** Pings {@code address} from {@code from} every {@code interval} with {@code size} bytes of payload. */
        static Ping start(Node from, String address, Duration interval, int size, String... extra) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ping", "-D", "-n", "-i",
                    String.format("%.3f", interval.toMillis() / 1000.0), "-s", Integer.toString(size)));
            cmd.addAll(List.of(extra));
            cmd.add(address);
            long t0 = System.currentTimeMillis();
            return new Ping(t0, from.spawn("ping-" + t0, cmd.toArray(String[]::new)));
        }

        List<Reply> replies() {
            List<Reply> out = new ArrayList<>();
            for (String line : process.log().split("\n")) {
                Matcher m = REPLY.matcher(line.strip());
                if (m.find()) {
                    out.add(new Reply(Double.parseDouble(m.group(1)) * 1000, Integer.parseInt(m.group(2)),
                            Double.parseDouble(m.group(3))));
                }
            }
            return out;
        }

        /** Milliseconds from the start to the first reply, or -1 when none came yet. */
        long firstReplyMillis() {
            List<Reply> r = replies();
            return r.isEmpty() ? -1 : Math.round(r.getFirst().atMillis() - startMillis);
        }

        /** The first reply to a request sent after {@code epochMillis}, or null. */
        Reply firstReplySentAfter(double epochMillis) {
            return replies().stream().filter(r -> r.sentMillis() > epochMillis).findFirst().orElse(null);
        }

        @Override
        public void close() {
            process.stop();
        }
    }
}
