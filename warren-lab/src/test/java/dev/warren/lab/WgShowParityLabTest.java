package dev.warren.lab;

import dev.warren.lab.WgPair.Keys;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that the {@code wg} tool sees a Warren interface exactly as it sees a wireguard-go interface: both run
 * in one namespace, get the same configuration ({@code wg setconf} from one file, differing only in the listen
 * port) and then the same sequence of changes — add and remove peers, replace and steal allowed IPs, set and
 * clear a preshared key, persistent keepalive and fwmark, change an endpoint, {@code syncconf}, {@code addconf},
 * change the private key to a peer's — and after every step {@code wg showconf}, {@code wg show}, every
 * {@code wg show IFACE FIELD} and {@code wg show IFACE dump} agree (peers compared as sets, since wireguard-go
 * lists them in hash order; traffic counters left out, see {@link #transferCountsOnlyBytesThatWereSent}).
 * {@code wg show all dump} parses. Bad commands fail with the same message and exit status as against
 * wireguard-go and leave Warren's configuration unchanged.
 */
@Tag("lab")
class WgShowParityLabTest {
    private static final Pattern LISTEN_PORT_LINE = Pattern.compile("(?m)^(ListenPort = |  listening port: ).*\\n");

    @Test
    @Timeout(120)
    void wgSeesWarrenExactlyAsItSeesWireguardGo() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab"); Scratch dir = new Scratch(lab)) {
            String ns = lab.add("p");
            Path logs = LabEnv.logDir(lab);
            String w = lab.prefix() + "w";
            String g = lab.prefix() + "g";
            Impl.WARREN.start(lab, ns, w, logs.resolve(w + ".log"));
            Impl.WIREGUARD_GO.start(lab, ns, g, logs.resolve(g + ".log"));
            Parity parity = new Parity(lab, ns, w, g);

            Path key = dir.key("if");
            String[] peer = new String[7];
            Path[] peerKey = new Path[7];
            for (int i = 1; i < peer.length; i++) {
                peerKey[i] = dir.key("p" + i);
                peer[i] = Keys.pubkey(peerKey[i]);
            }
            Path psk = dir.psk("psk1");
            Path psk2 = dir.psk("psk2");
            String conf = """
                    [Interface]
                    PrivateKey = %s
                    ListenPort = %%d
                    FwMark = 0x42

                    [Peer]
                    PublicKey = %s
                    PresharedKey = %s
                    AllowedIPs = 10.9.0.2/32, fd09::2/128, 10.10.0.0/16, 10.10.128.0/17
                    Endpoint = 192.0.2.7:51820
                    PersistentKeepalive = 25

                    [Peer]
                    PublicKey = %s
                    AllowedIPs = 10.9.0.3/32, 10.7.7.7/24
                    Endpoint = [2001:db8::5]:1234

                    [Peer]
                    PublicKey = %s
                    AllowedIPs = 0.0.0.0/1
                    """.formatted(Files.readString(key).strip(), peer[1], Files.readString(psk).strip(), peer[2],
                    peer[3]);
            Files.writeString(dir.path.resolve("w.conf"), conf.formatted(40001));
            Files.writeString(dir.path.resolve("g.conf"), conf.formatted(40002));
            parity.wg("setconf", "%s", dir.path.resolve("%c.conf").toString());
            parity.check("setconf");

            parity.wg("set", "%s", "peer", peer[4], "allowed-ips", "10.5.0.0/16,fd05::/32", "endpoint", "192.0.2.9:7");
            parity.check("add a peer");
            parity.wg("set", "%s", "peer", peer[2], "remove");
            parity.check("remove a peer");
            parity.wg("set", "%s", "peer", peer[6], "remove");
            parity.check("remove a peer that is not there");
            parity.wg("set", "%s", "peer", peer[1], "allowed-ips", "10.9.0.9/32,fd09::9/128");
            parity.check("replace allowed IPs");
            parity.wg("set", "%s", "peer", peer[4], "allowed-ips", "10.9.0.9/32,10.5.0.0/16");
            parity.check("take an allowed IP from another peer");
            parity.wg("set", "%s", "peer", peer[1], "allowed-ips", "");
            parity.check("clear allowed IPs");
            parity.wg("set", "%s", "peer", peer[3], "preshared-key", psk2.toString());
            parity.check("set a preshared key");
            parity.wg("set", "%s", "peer", peer[1], "preshared-key", "/dev/null");
            parity.check("remove a preshared key");
            parity.wg("set", "%s", "peer", peer[3], "persistent-keepalive", "10");
            parity.check("set persistent keepalive");
            parity.wg("set", "%s", "peer", peer[1], "persistent-keepalive", "off");
            parity.check("turn persistent keepalive off");
            parity.wg("set", "%s", "fwmark", "0x1234");
            parity.check("set fwmark");
            parity.wg("set", "%s", "fwmark", "0");
            parity.check("clear fwmark");
            parity.wg("set", "%s", "peer", peer[4], "endpoint", "[2001:db8::1]:99");
            parity.check("change an endpoint");

            Files.writeString(dir.path.resolve("sync.conf"), """
                    [Interface]
                    PrivateKey = %s
                    [Peer]
                    PublicKey = %s
                    AllowedIPs = 10.44.0.0/24
                    Endpoint = 198.51.100.4:4444
                    [Peer]
                    PublicKey = %s
                    AllowedIPs = 10.1.0.0/16
                    """.formatted(Files.readString(key).strip(), peer[4], peer[5]));
            parity.wg("syncconf", "%s", dir.path.resolve("sync.conf").toString());
            parity.check("syncconf");
            Files.writeString(dir.path.resolve("add.conf"), """
                    [Peer]
                    PublicKey = %s
                    AllowedIPs = fd66::/64
                    PersistentKeepalive = 5
                    """.formatted(peer[6]));
            parity.wg("addconf", "%s", dir.path.resolve("add.conf").toString());
            parity.check("addconf");
            parity.wg("set", "%s", "private-key", peerKey[5].toString());
            parity.check("private key changed to the key of one of its peers (that peer goes)");

            // ---- bad commands: same message and status, nothing changed ----
            String before = parity.normalizedShowconf(w);
            parity.failsAlike("set", "%s", "peer", "bad");
            parity.failsAlike("set", "%s", "peer", peer[4], "allowed-ips", "10.0.0.0/33");
            parity.failsAlike("set", "%s", "peer", peer[4], "endpoint", "[::1");
            parity.failsAlike("set", "%s", "listen-port", "no-such-service");
            parity.failsAlike("set", "%s", "private-key", "/nonexistent/key");
            parity.check("after commands the wg tool rejected");
            assertEquals(before, parity.normalizedShowconf(w), "Warren unchanged by rejected commands");

            // the daemon itself rejects bad requests (the wg tool never sends these): same errno, and Warren
            // applies nothing of a request that fails (wireguard-go applies the lines before the bad one)
            String[] badRequests = {
                "set=1\nprivate_key=zz\n\n",
                "set=1\nlisten_port=5555\nbogus_key=1\n\n",
                "set=1\nfwmark=7\npublic_key=" + "0".repeat(63) + "\n\n",
                "set=1\nreplace_peers=true\npublic_key=" + Keys.hex(peer[1]) + "\nallowed_ip=10.0.0.0/40\n\n",
                "set=1\npublic_key=" + Keys.hex(peer[4]) + "\npersistent_keepalive_interval=65536\n\n",
                "set=1\npublic_key=" + Keys.hex(peer[4]) + "\nendpoint=300.1.1.1:5\n\n",
            };
            for (String req : badRequests) {
                String rw = uapi(w, req);
                String rg = uapi(g, req);
                assertTrue(rg.startsWith("errno=") && !rg.equals("errno=0\n\n"), "wireguard-go rejects " + req + rg);
                assertEquals(rg, rw, "Warren's answer to " + req.replace("\n", "\\n"));
                assertEquals(before, parity.normalizedShowconf(w), "Warren unchanged by " + req.replace("\n", "\\n"));
            }
            assertEquals("errno=0\n\n", uapi(w, "set=1\n\n"), "an empty set succeeds");
            assertTrue(uapi(w, "get=1\n\n").endsWith("errno=0\n\n"), "get still answers after bad requests");

            // standard output only: the socket directory is shared, and other people's interfaces may not answer
            String all = lab.exec(ns, "sh", "-c", "wg show all dump 2>/dev/null || true");
            for (String line : all.lines().toList()) {
                int fields = line.split("\t", -1).length;
                assertTrue(fields == 5 || fields == 9, "wg show all dump line has 5 or 9 fields: " + line);
            }
            long warrenPeers = lab.exec(ns, "wg", "show", w, "peers").lines().count();
            assertEquals(1, all.lines().filter(l -> l.startsWith(w + "\t") && l.split("\t").length == 5).count(),
                    "Warren's interface line in wg show all dump:\n" + all);
            assertEquals(warrenPeers, all.lines().filter(l -> l.startsWith(w + "\t") && l.split("\t").length == 9)
                    .count(), "Warren's peer lines in wg show all dump:\n" + all);
            assertEquals(1, all.lines().filter(l -> l.startsWith(g + "\t") && l.split("\t").length == 5).count(),
                    "wireguard-go's interface line in wg show all dump:\n" + all);
        }
    }

    /**
     * A peer whose endpoint cannot be reached (no route) with persistent keepalive: wireguard-go's
     * {@code transfer} counts only bytes the kernel accepted, so it stays at 0 B sent; so must Warren's.
     */
    @Test
    @Timeout(60)
    void transferCountsOnlyBytesThatWereSent() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab"); Scratch dir = new Scratch(lab)) {
            String ns = lab.add("t");
            Path logs = LabEnv.logDir(lab);
            String w = lab.prefix() + "w";
            String g = lab.prefix() + "g";
            Impl.WARREN.start(lab, ns, w, logs.resolve(w + ".log"));
            Impl.WIREGUARD_GO.start(lab, ns, g, logs.resolve(g + ".log"));
            Path key = dir.key("if");
            String peer = Keys.pubkey(dir.key("peer"));
            for (String iface : List.of(w, g)) {
                lab.exec(ns, "wg", "set", iface, "private-key", key.toString(), "peer", peer,
                        "endpoint", "198.51.100.9:9", "allowed-ips", "10.1.1.1/32", "persistent-keepalive", "1");
                lab.exec(ns, "ip", "link", "set", iface, "up");
            }
            Thread.sleep(3000);
            String tw = lab.exec(ns, "wg", "show", w, "transfer");
            String tg = lab.exec(ns, "wg", "show", g, "transfer");
            assertEquals(peer + "\t0\t0", tg.strip(), "wireguard-go counts nothing for unsendable packets");
            assertEquals(tg.strip(), tw.strip(), "Warren's transfer counters for a peer it cannot reach "
                    + "(no route to 198.51.100.9: every send fails with ENETUNREACH)");
        }
    }

    /**
     * An interface whose link is down sends nothing, as with wireguard-go (it opens no socket until the link is
     * up): a peer with persistent keepalive 1 s and a reachable endpoint (a UDP counter on loopback) receives
     * nothing while the link is down, and keepalives/initiations once it is up (the positive control).
     */
    @Test
    @Timeout(60)
    void anInterfaceThatIsDownSendsNothing() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab"); Scratch dir = new Scratch(lab)) {
            String ns = lab.add("d");
            Path logs = LabEnv.logDir(lab);
            Map<Impl, String> ifaces = Map.of(Impl.WARREN, lab.prefix() + "w", Impl.WIREGUARD_GO, lab.prefix() + "g");
            Map<Impl, Integer> ports = Map.of(Impl.WARREN, 41001, Impl.WIREGUARD_GO, 41002);
            Path key = dir.key("if");
            String peer = Keys.pubkey(dir.key("peer"));
            for (Impl impl : Impl.values()) {
                String iface = ifaces.get(impl);
                impl.start(lab, ns, iface, logs.resolve(iface + ".log"));
                lab.exec(ns, "wg", "set", iface, "private-key", key.toString(), "peer", peer, "endpoint",
                        "127.0.0.1:" + ports.get(impl), "allowed-ips", "10.1.1.1/32", "persistent-keepalive", "1");
            }
            for (boolean up : new boolean[] {false, true}) {
                Map<Impl, Process> counters = new EnumMap<>(Impl.class);
                for (Impl impl : Impl.values()) {
                    Path log = logs.resolve("count-" + impl.name() + "-" + up + ".log");
                    counters.put(impl, LabEnv.spawn(ns, log, LabEnv.tool("udp-count",
                            Integer.toString(ports.get(impl)), "3")));
                    if (up) {
                        lab.exec(ns, "ip", "link", "set", ifaces.get(impl), "up");
                    }
                }
                Map<Impl, Long> received = new EnumMap<>(Impl.class);
                for (Impl impl : Impl.values()) {
                    counters.get(impl).waitFor();
                    Path log = logs.resolve("count-" + impl.name() + "-" + up + ".log");
                    Matcher m = Pattern.compile("datagrams=(\\d+)").matcher(LabEnv.read(log));
                    assertTrue(m.find(), "udp-count output: " + LabEnv.read(log));
                    received.put(impl, Long.parseLong(m.group(1)));
                }
                if (up) {
                    assertTrue(received.get(Impl.WIREGUARD_GO) > 0, "wireguard-go sends once up: " + received);
                    assertTrue(received.get(Impl.WARREN) > 0, "Warren sends once up: " + received);
                } else {
                    assertEquals(0, received.get(Impl.WIREGUARD_GO), "wireguard-go sends nothing while down");
                    assertEquals(0, received.get(Impl.WARREN),
                            "datagrams Warren sent to the peer while its link was down");
                }
            }
        }
    }

    /**
     * {@code wg set IFACE listen-port P} where P is taken by another socket fails as against wireguard-go —
     * "Unable to modify interface: Address already in use", exit status 1 — and leaves the configuration as it
     * was.
     */
    @Test
    @Timeout(60)
    void aListenPortInUseIsRefusedLikeWireguardGo() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab"); Scratch dir = new Scratch(lab)) {
            String ns = lab.add("u");
            Path logs = LabEnv.logDir(lab);
            String w = lab.prefix() + "w";
            String g = lab.prefix() + "g";
            Impl.WARREN.start(lab, ns, w, logs.resolve(w + ".log"));
            Impl.WIREGUARD_GO.start(lab, ns, g, logs.resolve(g + ".log"));
            Parity parity = new Parity(lab, ns, w, g);
            Path key = dir.key("if");
            String peer = Keys.pubkey(dir.key("peer"));
            lab.exec(ns, "wg", "set", w, "listen-port", "40001", "private-key", key.toString(), "peer", peer,
                    "allowed-ips", "10.1.1.1/32");
            lab.exec(ns, "wg", "set", g, "listen-port", "40002", "private-key", key.toString(), "peer", peer,
                    "allowed-ips", "10.1.1.1/32");
            String before = parity.normalizedShowconf(w);
            Process holder = LabEnv.spawn(ns, logs.resolve("udp-hold.log"), LabEnv.tool("udp-hold", "40100"));
            try {
                LabEnv.eventually(Duration.ofSeconds(10), () -> LabEnv.read(logs.resolve("udp-hold.log"))
                        .contains("listening"));
                Netns.Result rw = parity.tryWg(w, "set", w, "listen-port", "40100");
                Netns.Result rg = parity.tryWg(g, "set", g, "listen-port", "40100");
                assertFalse(rg.ok(), "wireguard-go refuses a port in use: " + rg.output());
                assertEquals(rg.status(), rw.status(), "exit status for a port in use: " + rw.output());
                assertEquals(rg.output(), rw.output(), "message for a port in use");
                assertEquals(before, parity.normalizedShowconf(w), "Warren unchanged by a failed listen-port");
            } finally {
                LabEnv.stop(holder, Duration.ofSeconds(1));
            }

            assertEquals("40001", lab.exec(ns, "wg", "show", w, "listen-port").strip(), "Warren keeps its port");
        }
    }

    /** Raw UAPI request on the socket of {@code iface}; returns the whole answer. */
    static String uapi(String iface, String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(Impl.socket(iface)));
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            StringBuilder out = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (!out.toString().endsWith("\n\n")) {
                buf.clear();
                if (c.read(buf) < 0) {
                    break;
                }
                out.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
            }
            return out.toString();
        }
    }

    /** Runs the same {@code wg} commands against both interfaces and compares what {@code wg} shows. */
    private record Parity(Netns lab, String ns, String w, String g) {
        /** {@code wg ARGS} on both; {@code %s} is the interface name, {@code %c} its letter (w or g). */
        void wg(String... args) throws IOException {
            for (String iface : List.of(w, g)) {
                Netns.Result r = tryWg(iface, args(iface, args));
                assertTrue(r.ok(), "wg " + String.join(" ", args(iface, args)) + ": " + r.output());
            }
        }

        void failsAlike(String... args) throws IOException {
            Netns.Result rw = tryWg(w, args(w, args));
            Netns.Result rg = tryWg(g, args(g, args));
            String what = "wg " + String.join(" ", args);
            assertFalse(rg.ok(), what + " fails against wireguard-go");
            assertEquals(rg.status(), rw.status(), what + ": exit status");
            assertEquals(rg.output().replace(g, "IFACE"), rw.output().replace(w, "IFACE"), what + ": message");
        }

        private String[] args(String iface, String[] args) {
            String letter = iface.equals(w) ? "w" : "g";
            return Arrays.stream(args).map(a -> a.replace("%s", iface).replace("%c", letter)).toArray(String[]::new);
        }

        Netns.Result tryWg(String iface, String... args) throws IOException {
            return lab.tryExec(ns, Duration.ofSeconds(20), Stream.concat(Stream.of("wg"), Stream.of(args))
                    .toArray(String[]::new));
        }

        void check(String step) throws IOException {
            assertEquals(normalizedShowconf(g), normalizedShowconf(w), "wg showconf after: " + step);
            assertEquals(normalizedShow(g, g), normalizedShow(w, w), "wg show after: " + step);
            for (String field : List.of("public-key", "private-key", "fwmark", "peers", "preshared-keys",
                    "endpoints", "allowed-ips", "persistent-keepalive")) {
                assertEquals(sortedLines(show(g, field)), sortedLines(show(w, field)),
                        "wg show IFACE " + field + " after: " + step);
            }
            assertEquals(dump(g), dump(w), "wg show IFACE dump after: " + step);
            assertNotEquals(show(g, "listen-port").strip(), show(w, "listen-port").strip(), "distinct ports");
        }

        String show(String iface, String field) throws IOException {
            return lab.exec(ns, "wg", "show", iface, field);
        }

        /** showconf without the listen port; the peer sections sorted. */
        String normalizedShowconf(String iface) throws IOException {
            return sections(LISTEN_PORT_LINE.matcher(lab.exec(ns, "wg", "showconf", iface)).replaceAll(""), "[Peer]");
        }

        /** wg show without name, port, handshake and transfer lines; the peer sections sorted. */
        String normalizedShow(String iface, String name) throws IOException {
            String text = LISTEN_PORT_LINE.matcher(lab.exec(ns, "wg", "show", iface)).replaceAll("")
                    .replace("interface: " + name, "interface: IFACE")
                    .replaceAll("(?m)^  (transfer|latest handshake): .*\\n", "");
            return sections(text, "peer: ");
        }

        /** The dump as interface fields (without port) and peer fields (without handshake and counters), by key. */
        Map<String, List<String>> dump(String iface) throws IOException {
            Map<String, List<String>> out = new TreeMap<>();
            List<String> lines = lab.exec(ns, "wg", "show", iface, "dump").lines().toList();
            String[] head = lines.getFirst().split("\t", -1);
            assertEquals(4, head.length, "interface line of wg show " + iface + " dump: " + lines.getFirst());
            out.put("interface", List.of(head[0], head[1], head[3]));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", -1);
                assertEquals(8, f.length, "peer line of wg show " + iface + " dump: " + line);
                out.put(f[0], List.of(f[1], f[2], f[3], f[7]));
            }
            return out;
        }

        private static String sortedLines(String text) {
            return String.join("\n", text.lines().sorted().toList());
        }

        private static String sections(String text, String marker) {
            String[] parts = ("\n" + text.strip()).split("\n(?=" + Pattern.quote(marker) + ")");
            List<String> peers = new ArrayList<>(Arrays.stream(parts).skip(1).map(String::strip).toList());
            peers.sort(null);
            return parts[0].strip() + "\n\n" + String.join("\n\n", peers);
        }
    }

    /** A private directory for keys and config files, removed on close. */
    static final class Scratch implements AutoCloseable {
        final Path path;

        Scratch(Netns lab) throws IOException {
            path = Files.createTempDirectory("warren-lab-" + lab.prefix(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }

        Path key(String name) throws IOException {
            Path p = path.resolve(name + ".key");
            Keys.genkey(p);
            return p;
        }

        Path psk(String name) throws IOException {
            Path p = path.resolve(name + ".psk");
            Keys.genpsk(p);
            return p;
        }

        @Override
        public void close() throws IOException {
            try (Stream<Path> files = Files.list(path)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(path);
        }
    }
}
