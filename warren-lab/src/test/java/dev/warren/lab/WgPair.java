package dev.warren.lab;

import dev.warren.testing.lab.Netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The lab's common topology: two namespaces {@code PREFIX-a} and {@code PREFIX-b} joined by one veth pair (the
 * "underlay", IPv4 {@code 192.168.77.1-2/24} or IPv6 {@code fd00:77::1-2/64}), a WireGuard interface in each run
 * by either implementation, keys made by {@code wg genkey}, and tunnel addresses {@code 10.77.0.1-2/24} and
 * {@code fd77::1-2/64} at MTU 1420. Nothing is configured until a test says how ({@link #configure}), so a test
 * can decide who knows whose endpoint. Helpers drive {@code wg}, {@code ping} and {@code iperf3} the way a user
 * would. Closing it stops the daemons and removes the namespaces and key files, also when the test failed; the
 * logs stay under {@code warren-lab/target/lab-logs/PREFIX/}.
 */
final class WgPair implements AutoCloseable {
    /** The address family underneath the tunnel. */
    enum Underlay { V4, V6 }

    static final int PORT = 51820;
    static final int MTU = 1420;

    final Netns lab;
    final Underlay underlay;
    final Path logs;
    final Path keys;
    final Node a;
    final Node b;

    private WgPair(Netns lab, Underlay underlay) throws IOException {
        this.lab = lab;
        this.underlay = underlay;
        this.logs = LabEnv.logDir(lab);
        this.keys = Files.createTempDirectory("warren-lab-" + lab.prefix(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.a = new Node("a", 1);
        this.b = new Node("b", 2);
    }

    /** Namespaces, veth, keys, and a running (unconfigured) daemon of {@code implA} in a and {@code implB} in b. */
    static WgPair start(String tag, Impl implA, Impl implB, Underlay underlay) throws IOException, InterruptedException {
        LabEnv.requireLab();
        Netns lab = new Netns(tag);
        WgPair pair = null;
        try {
            pair = new WgPair(lab, underlay);
            lab.add("a");
            lab.add("b");
            lab.veth(pair.a.ns, pair.a.veth, pair.a.under + pair.prefixLength(),
                    pair.b.ns, pair.b.veth, pair.b.under + pair.prefixLength());
            pair.a.start(implA);
            pair.b.start(implB);
            return pair;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            if (pair != null) {
                pair.close();
            } else {
                lab.close();
            }
            throw e;
        }
    }

    String prefixLength() {
        return underlay == Underlay.V4 ? "/24" : "/64";
    }

    /** The underlay address of host {@code n} (1 or 2, or more for a roaming side's new address). */
    String underlayAddress(int n) {
        return underlay == Underlay.V4 ? "192.168.77." + n : "fd00:77::" + n;
    }

    /**
     * Configures {@code self} with {@code wg set} for a peer {@code peer}: private key, listen port, the peer's
     * public key and tunnel addresses as allowed IPs, and its endpoint only if {@code withEndpoint}; then the
     * tunnel addresses, MTU and link up with {@code ip}.
     */
    void configure(Node self, Node peer, boolean withEndpoint) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("set", self.iface, "listen-port", Integer.toString(PORT),
                "private-key", self.key.toString(), "peer", peer.pub,
                "allowed-ips", peer.tun4 + "/32," + peer.tun6 + "/128"));
        if (withEndpoint) {
            cmd.addAll(List.of("endpoint", peer.endpoint()));
        }
        self.wg(cmd.toArray(String[]::new));
        lab.exec(self.ns, "ip", "addr", "add", self.tun4 + "/24", "dev", self.iface);
        lab.exec(self.ns, "ip", "addr", "add", self.tun6 + "/64", "dev", self.iface, "nodad");
        lab.exec(self.ns, "ip", "link", "set", self.iface, "mtu", Integer.toString(MTU), "up");
    }

    /** Both sides know each other's endpoint. */
    void configureBoth() throws IOException {
        configure(a, b, true);
        configure(b, a, true);
    }

    /** The other node. */
    Node other(Node n) {
        return n == a ? b : a;
    }

    /**
     * Moves {@code n} to underlay address {@code host} (see {@link #underlayAddress}): the old address is deleted
     * and the new one added in one step, so its packets leave from the new source from then on.
     */
    void moveUnderlay(Node n, int host) throws IOException {
        String old = n.under;
        String neu = underlayAddress(host);
        lab.exec(n.ns, "sh", "-c", "ip addr del \"$0\" dev \"$2\" && ip addr add \"$1\" dev \"$2\" nodad",
                old + prefixLength(), neu + prefixLength(), n.veth);
        n.under = neu;
    }

    /**
     * NAT rebinding of {@code n} to underlay address {@code host}: its address stays, but stateless nftables rules
     * in its namespace rewrite the source of its outgoing WireGuard datagrams to the new address (and the
     * destination of datagrams coming back to it), as a NAT box that changed its mapping would. The new address
     * is added to the veth too, so that neighbours resolve it. Returns the endpoint its peer should now see.
     */
    String natRebind(Node n, int host) throws IOException {
        String fam = underlay == Underlay.V4 ? "ip" : "ip6";
        String neu = underlayAddress(host);
        lab.exec(n.ns, "ip", "addr", "add", neu + prefixLength(), "dev", n.veth, "nodad");
        Path rules = keys.resolve("rebind-" + n.name + ".nft");
        Files.writeString(rules, """
                table %1$s rebind {
                    chain post {
                        type filter hook postrouting priority 100;
                        %1$s saddr %2$s udp sport %4$d %1$s saddr set %3$s
                    }
                    chain pre {
                        type filter hook prerouting priority -300;
                        %1$s daddr %3$s udp dport %4$d %1$s daddr set %2$s
                    }
                }
                """.formatted(fam, n.under, neu, PORT));
        lab.exec(n.ns, "nft", "-f", rules.toString());
        return underlay == Underlay.V4 ? neu + ":" + PORT : "[" + neu + "]:" + PORT;
    }

    /** Runs an iperf3 test from {@code client} to {@code server}'s address {@code dst}. */
    Iperf iperf(Node client, Node server, String dst, int seconds, String... extra) throws IOException, InterruptedException {
        return Iperf.run(lab, client.ns, server.ns, dst, seconds, logs.resolve("iperf3-server.log"), extra);
    }

    @Override
    public void close() {
        try {
            lab.close();
        } finally {
            try (Stream<Path> files = Files.list(keys)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(keys);
            } catch (IOException e) {
                System.err.println("removing " + keys + ": " + e.getMessage());
            }
        }
    }

    /** One side: its namespace, interface, implementation, keys and addresses. */
    final class Node {
        final String name;
        final String ns;
        final String iface;
        final String veth;
        final Path key;
        final String pub;
        final String tun4;
        final String tun6;
        final Path log;
        volatile Impl impl;
        volatile String under;

        private Node(String name, int host) throws IOException {
            this.name = name;
            this.ns = lab.prefix() + "-" + name;
            this.iface = lab.prefix() + name;
            this.veth = "ve" + lab.prefix().substring(1) + name;
            this.key = keys.resolve(name + ".key");
            Keys.genkey(key);
            this.pub = Keys.pubkey(key);
            this.tun4 = "10.77.0." + host;
            this.tun6 = "fd77::" + host;
            this.under = underlayAddress(host);
            this.log = logs.resolve(iface + ".log");
        }

        void start(Impl implementation) throws IOException, InterruptedException {
            this.impl = implementation;
            implementation.start(lab, ns, iface, log);
        }

        /** {@code host:port} or {@code [v6]:port} for this node's current underlay address. */
        String endpoint() {
            return underlay == Underlay.V4 ? under + ":" + PORT : "[" + under + "]:" + PORT;
        }

        /** Runs {@code wg ARGS} in this namespace; throws with the output if it fails. */
        String wg(String... args) throws IOException {
            return lab.exec(ns, Stream.concat(Stream.of("wg"), Stream.of(args)).toArray(String[]::new));
        }

        /** Runs {@code wg ARGS} in this namespace; returns status and output. */
        Netns.Result tryWg(String... args) throws IOException {
            return lab.tryExec(ns, Duration.ofSeconds(20), Stream.concat(Stream.of("wg"), Stream.of(args))
                    .toArray(String[]::new));
        }

        /** One column of {@code wg show IFACE WHAT} for {@code peer}, or null if the peer is not there. */
        String show(String what, Node peer) throws IOException {
            for (String line : wg("show", iface, what).lines().toList()) {
                String[] f = line.split("\t");
                if (f.length >= 2 && f[0].equals(peer.pub)) {
                    return f[1];
                }
            }
            return null;
        }

        /** The endpoint this node has for {@code peer} ({@code (none)} when unknown). */
        String endpointOf(Node peer) throws IOException {
            return show("endpoints", peer);
        }

        /** Unix seconds of the latest handshake with {@code peer}, 0 if none. */
        long latestHandshake(Node peer) throws IOException {
            String v = show("latest-handshakes", peer);
            return v == null ? 0 : Long.parseLong(v);
        }

        /** {@code ping -c COUNT} from this namespace; true iff every reply came before the deadline. */
        boolean ping(String dst, int count, Duration deadline) throws IOException {
            return pingResult(dst, count, deadline).ok();
        }

        Netns.Result pingResult(String dst, int count, Duration deadline) throws IOException {
            return lab.tryExec(ns, deadline.plusSeconds(5), "ping", "-n", "-q", "-c", Integer.toString(count),
                    "-i", "0.2", "-w", Long.toString(deadline.toSeconds()), dst);
        }

        /** The daemon's process id, if it runs. */
        OptionalLong pid() throws IOException {
            return impl.pid(ns, iface);
        }

        @Override
        public String toString() {
            return impl + " " + iface + " in " + ns;
        }
    }

    /** Keys made and derived by the reference tool, {@code wg genkey} and {@code wg pubkey}. */
    static final class Keys {
        private Keys() {
        }

        static void genkey(Path file) throws IOException {
            Netns.run("sh", "-c", "umask 077 && wg genkey >\"$0\"", file.toString());
        }

        static String pubkey(Path privateKeyFile) throws IOException {
            return Netns.run("sh", "-c", "wg pubkey <\"$0\"", privateKeyFile.toString()).strip();
        }

        /** A base64 key as the UAPI writes it: lowercase hex. */
        static String hex(String base64) {
            return HexFormat.of().formatHex(Base64.getDecoder().decode(base64));
        }

        static void genpsk(Path file) throws IOException {
            Netns.run("sh", "-c", "umask 077 && wg genpsk >\"$0\"", file.toString());
        }
    }

    /** Results of one iperf3 run, read from its JSON report. */
    record Iperf(int status, String json, long bytes, double mbps, double lostPercent, List<double[]> intervals) {
        private static final Pattern SUM_RECEIVED = Pattern.compile(
                "\"sum_received\":\\s*\\{[^}]*?\"bytes\":\\s*(\\d+)[^}]*?\"bits_per_second\":\\s*([0-9.eE+-]+)");
        private static final Pattern UDP_SUM = Pattern.compile(
                "\"sum\":\\s*\\{[^}]*?\"bytes\":\\s*(\\d+)[^}]*?\"bits_per_second\":\\s*([0-9.eE+-]+)"
                        + "[^}]*?\"lost_percent\":\\s*([0-9.eE+-]+)");
        private static final Pattern END = Pattern.compile("\"end\":\\s*\\{");
        private static final Pattern INTERVAL = Pattern.compile(
                "\"sum\":\\s*\\{\\s*\"start\":\\s*([0-9.eE+-]+),\\s*\"end\":\\s*([0-9.eE+-]+),"
                        + "\\s*\"seconds\":\\s*[0-9.eE+-]+,\\s*\"bytes\":\\s*(\\d+)");

        static Iperf run(Netns lab, String clientNs, String serverNs, String dst, int seconds, Path serverLog,
                         String... extra) throws IOException, InterruptedException {
            Process server = LabEnv.spawn(serverNs, serverLog, "iperf3", "-s", "-1", "-p", "5201");
            try {
                if (!LabEnv.eventually(Duration.ofSeconds(10), () -> !lab.tryExec(serverNs, Duration.ofSeconds(5),
                        "ss", "-Hltn", "sport = :5201").output().isBlank())) {
                    throw new IOException("iperf3 server did not listen: " + LabEnv.read(serverLog));
                }
                List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", dst, "-p", "5201", "-t",
                        Integer.toString(seconds), "-i", "0.5", "-J"));
                cmd.addAll(List.of(extra));
                Netns.Result r = lab.tryExec(clientNs, Duration.ofSeconds(seconds + 30), cmd.toArray(String[]::new));
                return parse(r.status(), r.output(), List.of(extra).contains("-u"));
            } finally {
                LabEnv.stop(server, Duration.ofSeconds(2));
            }
        }

        static Iperf parse(int status, String json, boolean udp) {
            int end = -1;
            Matcher em = END.matcher(json);
            while (em.find()) {
                end = em.start();
            }
            String tail = end < 0 ? "" : json.substring(end);
            long bytes = 0;
            double mbps = 0;
            double lost = Double.NaN;
            Matcher m = (udp ? UDP_SUM : SUM_RECEIVED).matcher(tail);
            if (m.find()) {
                bytes = Long.parseLong(m.group(1));
                mbps = Double.parseDouble(m.group(2)) / 1e6;
                if (udp) {
                    lost = Double.parseDouble(m.group(3));
                }
            }
            List<double[]> intervals = new ArrayList<>();
            Matcher im = INTERVAL.matcher(end < 0 ? json : json.substring(0, end));
            while (im.find()) {
                intervals.add(new double[] {Double.parseDouble(im.group(1)), Double.parseDouble(im.group(2)),
                        Double.parseDouble(im.group(3))});
            }
            return new Iperf(status, json, bytes, mbps, lost, intervals);
        }

        boolean ok() {
            return status == 0 && bytes > 0;
        }

        @Override
        public String toString() {
            return String.format("iperf3 status %d, %d bytes, %.1f Mbit/s%s", status, bytes, mbps,
                    Double.isNaN(lostPercent) ? "" : String.format(", %.2f%% lost", lostPercent));
        }
    }
}
