package dev.warren.testing.lab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Warren network on one simulated LAN, made of real processes started exactly as a user starts them:
 * {@code warren control serve} in its own namespace, {@code warren node} in one namespace per device, and the
 * {@code warren} CLI for everything else. Used by {@code warren demo} and by the lab tests.
 *
 * <p>Layout: a LAN namespace with a bridge ({@link Netns#lan()}); the control server at {@code 10.77.0.1:8080}
 * (and, when asked, a relay beside it at {@code 10.77.0.1:8443}, STUN on UDP 3478, region "lan");
 * node {@code i} at {@code 10.77.0.(10+i)}, its state, socket and log under {@code workDir/NAME/}. Each node runs
 * its own TUN {@code warren0} inside its namespace, so the Warren addresses it gets are routed there only.
 *
 * <p>Everything runs inside namespaces this object's {@link Netns} created; closing the Netns kills the processes.
 * The CLI is run on the host: it only talks to a node's Unix socket, a file under {@code workDir}.
 */
public final class MeshLab {
    /** The control server's LAN address and port. */
    public static final String CONTROL_ADDR = "10.77.0.1";
    public static final int CONTROL_PORT = 8080;
    /** The relay's TCP port (plain HTTP upgrade) and STUN port, beside the control server on its address. */
    public static final int RELAY_PORT = 8443;
    public static final int RELAY_STUN_PORT = 3478;
    /** The relay map naming that relay: region 1, code "lan". */
    public static final String RELAY_MAP = "{\"regions\": [{\"id\": 1, \"code\": \"lan\", \"name\": \"Demo LAN\","
            + " \"nodes\": [{\"name\": \"lan1\", \"host\": \"" + CONTROL_ADDR + "\", \"ipv4\": \"" + CONTROL_ADDR
            + "\", \"port\": " + RELAY_PORT + ", \"stunPort\": " + RELAY_STUN_PORT + ", \"tls\": false}]}]}";

    private final Netns netns;
    private final Path warren;
    private final Path workDir;
    private final String lan;
    private final List<Node> nodes = new ArrayList<>(); // guarded by this
    private Control control; // guarded by this
    private Process relay; // guarded by this

    /**
     * @param warren  the {@code bin/warren} launcher
     * @param workDir where state, sockets and logs go (kept after the run for diagnosis)
     */
    public MeshLab(Netns netns, Path warren, Path workDir) throws IOException {
        this.netns = netns;
        this.warren = warren;
        this.workDir = Files.createDirectories(workDir);
        this.lan = netns.lan();
    }

    public Path workDir() {
        return workDir;
    }

    public Netns netns() {
        return netns;
    }

    /** Starts the control server (SQLite in its state dir) and waits until it answers. */
    public synchronized Control startControl(Duration timeout) throws IOException, InterruptedException {
        return startControl(timeout, false);
    }

    /**
     * Starts the control server; with {@code withRelay} first {@code warren relay serve} beside it (TCP
     * {@link #RELAY_PORT}, STUN {@link #RELAY_STUN_PORT}, log {@code workDir/relay/relay.log}) and gives control
     * {@link #RELAY_MAP} with {@code --relay-map}.
     */
    public synchronized Control startControl(Duration timeout, boolean withRelay)
            throws IOException, InterruptedException {
        String ns = netns.add("ctl");
        netns.attach(lan, ns, "eth0", CONTROL_ADDR + "/24");
        Path relayMap = null;
        if (withRelay) {
            Path dir = Files.createDirectories(workDir.resolve("relay"));
            Path log = dir.resolve("relay.log");
            relay = spawn(ns, log, "relay", "serve", "--listen", CONTROL_ADDR + ":" + RELAY_PORT, "--stun-port",
                    Integer.toString(RELAY_STUN_PORT));
            if (!waitFor(timeout, relay, () -> tail(log).contains("relay listening on"))) {
                throw new IOException("relay did not start within " + timeout + "; log:\n" + tail(log));
            }
            relayMap = Files.writeString(dir.resolve("relay-map.json"), RELAY_MAP);
        }
        control = new Control(ns, Files.createDirectories(workDir.resolve("control")), relayMap);
        control.start(timeout);
        return control;
    }

    /** The relay's log, or null when no relay was started. */
    public synchronized Path relayLog() {
        return relay == null ? null : workDir.resolve("relay").resolve("relay.log");
    }

    /** Adds a device namespace on the LAN and starts {@code warren node} in it; waits for its local API. */
    public synchronized Node startNode(String name, Duration timeout) throws IOException, InterruptedException {
        int i = nodes.size();
        String ns = netns.add(name);
        String lanAddr = "10.77.0." + (10 + i);
        netns.attach(lan, ns, "eth0", lanAddr + "/24");
        Node n = new Node(name, ns, lanAddr, Files.createDirectories(workDir.resolve(name)));
        nodes.add(n);
        n.start(timeout);
        return n;
    }

    public synchronized List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Runs the CLI on the host with a timeout; never throws for a non-zero status. */
    public Netns.Result cli(Duration timeout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(warren.toString()));
        cmd.addAll(List.of(args));
        return Netns.runResult(timeout, cmd.toArray(String[]::new));
    }

    private Process spawn(String ns, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, warren.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static void stop(Process p, Duration grace) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean waitFor(Duration timeout, Process p, java.util.function.BooleanSupplier ready)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (ready.getAsBoolean()) {
                return true;
            }
            if (!p.isAlive()) {
                return false;
            }
            Thread.sleep(50);
        }
        return ready.getAsBoolean();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** The control server process. */
    public final class Control {
        private final String ns;
        private final Path stateDir;
        private final Path log;
        private final Path relayMap;
        private Process process; // guarded by MeshLab.this

        Control(String ns, Path stateDir, Path relayMap) {
            this.ns = ns;
            this.stateDir = stateDir;
            this.log = stateDir.resolve("control.log");
            this.relayMap = relayMap;
        }

        public String url() {
            return "http://" + CONTROL_ADDR + ":" + CONTROL_PORT;
        }

        public Path stateDir() {
            return stateDir;
        }

        public Path log() {
            return log;
        }

        void start(Duration timeout) throws IOException, InterruptedException {
            synchronized (MeshLab.this) {
                Path info = stateDir.resolve("control.json");
                Files.deleteIfExists(info);
                List<String> args = new ArrayList<>(List.of("control", "serve", "--listen",
                        CONTROL_ADDR + ":" + CONTROL_PORT, "--state", stateDir.toString()));
                if (relayMap != null) {
                    args.addAll(List.of("--relay-map", relayMap.toString()));
                }
                process = spawn(ns, log, args.toArray(String[]::new));
                if (!waitFor(timeout, process, () -> Files.exists(info))) {
                    throw new IOException("control server did not start within " + timeout + "; log:\n" + tail(log));
                }
            }
        }

        /** Runs {@code warren control ARGS --state DIR} inside the control namespace; throws on failure. */
        public String admin(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(warren.toString(), "control"));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of("--state", stateDir.toString()));
            Netns.Result r = netns.tryExec(ns, Duration.ofSeconds(60), cmd.toArray(String[]::new));
            if (!r.ok()) {
                throw new IOException("warren control " + String.join(" ", args) + " failed (" + r.status() + "): "
                        + r.output().strip());
            }
            return r.output();
        }

        /**
         * Runs {@code warren ARGS --state DIR} inside the control namespace (e.g. {@code policy trace}, whose exit
         * status is its answer); never throws for a non-zero status.
         */
        public Netns.Result cli(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(warren.toString()));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of("--state", stateDir.toString()));
            return netns.tryExec(ns, Duration.ofSeconds(60), cmd.toArray(String[]::new));
        }

        /** Creates a domain. */
        public void createDomain(String name) throws IOException {
            admin("domain", "create", name);
        }

        /** Creates a pre-auth key and returns it (the last line the CLI prints). */
        public String createAuthKey(String domain, String... flags) throws IOException {
            List<String> args = new ArrayList<>(List.of("authkey", "create", "--domain", domain));
            args.addAll(List.of(flags));
            String out = admin(args.toArray(String[]::new)).strip();
            return out.substring(out.lastIndexOf('\n') + 1).strip();
        }

        /** Kills the server (SIGKILL: as a crash would). */
        public void kill() throws InterruptedException {
            synchronized (MeshLab.this) {
                if (process != null && process.isAlive()) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }

        /** Starts the server again on the same state. */
        public void restart(Duration timeout) throws IOException, InterruptedException {
            kill();
            start(timeout);
        }

        public void stop() throws InterruptedException {
            synchronized (MeshLab.this) {
                MeshLab.stop(process, Duration.ofSeconds(5));
            }
        }
    }

    /** One device: a namespace with {@code warren node} running in it. */
    public final class Node {
        private final String name;
        private final String ns;
        private final String lanAddr;
        private final Path dir;
        private final Path socket;
        private final Path log;
        private Process process; // guarded by MeshLab.this

        Node(String name, String ns, String lanAddr, Path dir) {
            this.name = name;
            this.ns = ns;
            this.lanAddr = lanAddr;
            this.dir = dir;
            this.socket = dir.resolve("warren.sock");
            this.log = dir.resolve("node.log");
        }

        public String name() {
            return name;
        }

        public String namespace() {
            return ns;
        }

        public String lanAddress() {
            return lanAddr;
        }

        public Path socket() {
            return socket;
        }

        public Path log() {
            return log;
        }

        void start(Duration timeout) throws IOException, InterruptedException {
            synchronized (MeshLab.this) {
                Files.deleteIfExists(socket);
                process = spawn(ns, log, "node", "--state", dir.resolve("state").toString(), "--socket",
                        socket.toString());
                if (!waitFor(timeout, process, () -> Files.exists(socket))) {
                    throw new IOException("node " + name + " did not open " + socket + " within " + timeout
                            + "; log:\n" + tail(log));
                }
            }
        }

        /** Runs {@code warren ARGS --socket S} on the host; never throws for a non-zero status. */
        public Netns.Result cli(String... args) throws IOException {
            List<String> full = new ArrayList<>(List.of(args));
            full.addAll(List.of("--socket", socket.toString()));
            return MeshLab.this.cli(Duration.ofSeconds(60), full.toArray(String[]::new));
        }

        /** {@code warren up} with a pre-auth key and this node's name as hostname; throws on failure. */
        public void up(String loginServer, String authKey) throws IOException {
            Netns.Result r = cli("up", "--login-server", loginServer, "--auth-key", authKey, "--hostname", name);
            if (!r.ok()) {
                throw new IOException("warren up on " + name + " failed (" + r.status() + "): " + r.output().strip()
                        + "\nnode log:\n" + tail(log));
            }
        }

        /** This node's Warren address of one family ({@code warren ip -4|-6}). */
        public String address(boolean v6) throws IOException {
            Netns.Result r = cli("ip", v6 ? "-6" : "-4");
            if (!r.ok()) {
                throw new IOException("warren ip on " + name + " failed: " + r.output().strip());
            }
            return r.output().strip();
        }

        /** One kernel ping from this namespace (through its TUN, so through Warren). */
        public boolean ping(String address, Duration timeout) throws IOException {
            long secs = Math.max(1, timeout.toSeconds());
            Netns.Result r = netns.tryExec(ns, timeout.plusSeconds(2), "ping", "-n", "-q", "-c", "1", "-W",
                    Long.toString(secs), address);
            return r.ok();
        }

        /** Stops the daemon (SIGTERM, as a user's service manager would). */
        public void stop() throws InterruptedException {
            synchronized (MeshLab.this) {
                MeshLab.stop(process, Duration.ofSeconds(10));
            }
        }

        /** Starts the daemon again on the same state directory. */
        public void restart(Duration timeout) throws IOException, InterruptedException {
            stop();
            start(timeout);
        }

        public boolean isAlive() {
            synchronized (MeshLab.this) {
                return process != null && process.isAlive();
            }
        }
    }
}
