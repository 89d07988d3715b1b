package dev.warren.wireguard;

import dev.warren.crypto.X25519;
import dev.warren.testing.FakeClock;
import dev.warren.testing.lab.Netns;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.wireguard.WgMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Records WireGuard handshake transcripts against the installed wireguard-go, for
 * {@code src/test/resources/vectors/wireguard_go_handshake.txt}. Needs root; run it through
 * {@link WireguardGoRecorderLabTest} or directly:
 * {@code java --enable-native-access=ALL-UNNAMED -cp <test classpath> dev.warren.wireguard.WireguardGoRecorder OUT}.
 *
 * <pre>
 * namespace "go": wireguard-go -f IF, 10.99.0.1/24 on a veth, tunnel 10.100.0.1/24, UDP 51820
 *                 peer W1 (psk, allowed 10.100.0.2/32), peer W2 (no psk, allowed 10.100.0.3/32, endpoint W2's socket)
 * namespace "us": 10.99.0.2/24 on the other end; two DatagramChannels opened inside it (setns), one per identity
 *
 * exchange 1, "warren-initiates": W1 (Warren's Noise, deterministic RNG, fixed clock) → initiation; wireguard-go →
 *   response; W1 → transport(ICMP echo request to 10.100.0.1); wireguard-go's kernel answers → transport(echo reply)
 * exchange 2, "go-initiates": ping 10.100.0.3 inside "go" makes wireguard-go initiate to W2; W2 (deterministic
 *   responder) → response; wireguard-go → transport(echo request); W2 → transport(echo reply); ping must succeed
 * </pre>
 * Everything the replay needs is written out: static keys, psk, RNG seeds, the clock, every datagram in hex.
 * The namespaces get a unique prefix and are deleted afterwards, also on failure.
 */
final class WireguardGoRecorder {
    static final String FILE = "wireguard_go_handshake.txt";
    static final byte[] GO_UNDERLAY = IpAddresses.parse("10.99.0.1");
    static final byte[] US_UNDERLAY = IpAddresses.parse("10.99.0.2");
    static final byte[] GO_TUNNEL = IpAddresses.parse("10.100.0.1");
    static final byte[] W1_TUNNEL = IpAddresses.parse("10.100.0.2");
    static final byte[] W2_TUNNEL = IpAddresses.parse("10.100.0.3");
    static final int GO_PORT = 51820;
    /** 2026-01-01T00:00:00.123456789Z and ten seconds later: the initiators' fixed wall clocks. */
    static final long EPOCH_1 = 1_767_225_600_123_456_789L;
    static final long EPOCH_2 = 1_767_225_610_123_456_789L;
    static final int ECHO_ID = 0x5752;
    static final byte[] ECHO_PAYLOAD = "warren transcript: echo request 1".getBytes(StandardCharsets.US_ASCII);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private WireguardGoRecorder() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "warren-wireguard/src/test/resources/vectors/" + FILE);
        Files.writeString(out, record());
        System.out.println("wrote " + out.toAbsolutePath());
    }

    static PrivateKey key(String label) {
        return X25519.generatePrivateKey(DeterministicRandom.of("warren transcript: " + label));
    }

    static byte[] seed(String label) {
        return ("warren transcript: " + label).getBytes(StandardCharsets.UTF_8);
    }

    /** Runs both exchanges against a fresh wireguard-go and returns the vector file's text. */
    static String record() throws Exception {
        String version = Netns.run("wireguard-go", "--version").lines().findFirst().orElse("?").strip();
        PrivateKey goKey = key("wireguard-go static");
        PrivateKey w1Key = key("warren static 1");
        PrivateKey w2Key = key("warren static 2");
        PresharedKey psk = PresharedKey.of(DeterministicRandom.of("warren transcript: psk 1").bytes(32));
        try (Netns lab = new Netns("kat")) {
            String go = lab.add("go");
            String us = lab.add("us");
            String p = lab.prefix();
            String wg = p + "wg";
            lab.veth(go, p + "g", "10.99.0.1/24", us, p + "u", "10.99.0.2/24");
            Path dir = Files.createTempDirectory("wkat", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path log = dir.resolve("wireguard-go.log");
            Process daemon = new ProcessBuilder("ip", "netns", "exec", go, "wireguard-go", "-f", wg)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (DatagramChannel ch1 = openIn(us); DatagramChannel ch2 = openIn(us)) {
                awaitSocket(wg, daemon, log);
                int port2 = ((InetSocketAddress) ch2.getLocalAddress()).getPort();
                Path goKeyFile = secret(dir, "go.key", goKey.toBase64());
                Path pskFile = secret(dir, "psk", psk.toBase64());
                Netns.run("wg", "set", wg, "listen-port", String.valueOf(GO_PORT), "private-key", goKeyFile.toString(),
                        "peer", X25519.publicKey(w1Key).toBase64(), "preshared-key", pskFile.toString(),
                        "allowed-ips", "10.100.0.2/32",
                        "peer", X25519.publicKey(w2Key).toBase64(), "allowed-ips", "10.100.0.3/32",
                        "endpoint", "10.99.0.2:" + port2);
                Netns.run("ip", "-n", go, "addr", "add", "10.100.0.1/24", "dev", wg);
                Netns.run("ip", "-n", go, "link", "set", wg, "up");

                StringBuilder out = new StringBuilder();
                out.append("# WireGuard handshake transcripts recorded against ").append(version).append(" on ")
                        .append(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                        .append(" by dev.warren.wireguard.WireguardGoRecorder (see its Javadoc for the setup).\n")
                        .append("# Keys are hex. Warren's side uses its own Noise code with a deterministic generator:\n")
                        .append("#   stream(seed) = BLAKE2s-256(seed || u64le(0)) || BLAKE2s-256(seed || u64le(1)) || ...\n")
                        .append("#   ephemeral private key = next 32 bytes of stream(ephemeral_seed), clamped (RFC 7748)\n")
                        .append("#   sender index = next 4 bytes of stream(index_seed) as a little-endian u32\n")
                        .append("# epoch_nanos is Warren's wall clock for the TAI64N timestamp (low 24 bits of the\n")
                        .append("# nanoseconds whitened). Transport plaintexts are padded to 16 bytes (MTU 1420).\n")
                        .append("# Tunnel: wireguard-go 10.100.0.1, warren-1 10.100.0.2, warren-2 10.100.0.3.\n\n");
                VectorBlocks.append(out, warrenInitiates(ch1, goKey, w1Key, psk));
                VectorBlocks.append(out, goInitiates(ch2, lab, go, goKey, w2Key));
                return out.toString();
            } catch (IOException | RuntimeException | AssertionError e) {
                throw new IOException(e.getMessage() + "\nwireguard-go log:\n" + readQuietly(log), e);
            } finally {
                daemon.destroy();
                if (!daemon.waitFor(5, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly();
                }
                Files.deleteIfExists(Path.of("/var/run/wireguard", wg + ".sock"));
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    private static Map<String, Object> warrenInitiates(DatagramChannel ch, PrivateKey goKey, PrivateKey w1Key,
                                                       PresharedKey psk) throws IOException, InterruptedException {
        byte[] eSeed = seed("ephemerals 1");
        byte[] iSeed = seed("indices 1");
        TranscriptRandom rng = new TranscriptRandom(eSeed, iSeed);
        ScriptedPeer w1 = new ScriptedPeer(w1Key, X25519.publicKey(goKey), psk, new FakeClock(EPOCH_1), rng, rng);
        InetSocketAddress goEndpoint = new InetSocketAddress(IpAddresses.toInetAddress(GO_UNDERLAY), GO_PORT);
        List<byte[]> extras = new ArrayList<>();

        byte[] initiation = w1.initiation();
        ch.send(ByteBuffer.wrap(initiation), goEndpoint);
        byte[] response = receive(ch, t -> t == WgMessage.TYPE_RESPONSE, extras, null);
        if (!w1.consumeResponse(response)) {
            throw new AssertionError("wireguard-go's response did not complete Warren's handshake");
        }
        byte[] echoRequest = IcmpPackets.echo(IcmpPackets.ECHO_REQUEST, W1_TUNNEL, GO_TUNNEL, 1, ECHO_ID, 1,
                ECHO_PAYLOAD);
        byte[] transportOut = w1.seal(echoRequest);
        ch.send(ByteBuffer.wrap(transportOut), goEndpoint);
        byte[] transportIn = null;
        byte[] echoReply = null;
        long end = System.nanoTime() + WAIT.toNanos();
        while (echoReply == null && System.nanoTime() < end) {
            byte[] d = receive(ch, t -> t == WgMessage.TYPE_TRANSPORT, extras, null);
            byte[] plain = w1.open(d);
            if (plain != null && plain.length > 0 && IcmpPackets.parse(plain) instanceof IcmpPackets.Echo e
                    && e.type() == IcmpPackets.ECHO_REPLY) {
                transportIn = d;
                echoReply = IcmpPackets.trim(plain);
            } else {
                extras.add(d);
            }
        }
        if (echoReply == null) {
            throw new AssertionError("no echo reply from wireguard-go");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", "warren-initiates");
        f.put("warren_private", w1Key.toBytes());
        f.put("warren_public", X25519.publicKey(w1Key).toBytes());
        f.put("go_private", goKey.toBytes());
        f.put("go_public", X25519.publicKey(goKey).toBytes());
        f.put("psk", psk.toBytes());
        f.put("ephemeral_seed", eSeed);
        f.put("index_seed", iSeed);
        f.put("epoch_nanos", EPOCH_1);
        f.put("warren_ephemeral_private", X25519.generatePrivateKey(new DeterministicRandom(eSeed)).toBytes());
        f.put("warren_sender_index", Integer.toUnsignedString(new DeterministicRandom(iSeed).nextInt()));
        f.put("initiation", initiation);
        f.put("response", response);
        f.put("echo_request", echoRequest);
        f.put("transport_out", transportOut);
        f.put("transport_in", transportIn);
        f.put("echo_reply", echoReply);
        putExtras(f, extras);
        return f;
    }

    private static Map<String, Object> goInitiates(DatagramChannel ch, Netns lab, String go, PrivateKey goKey,
                                                   PrivateKey w2Key) throws IOException, InterruptedException {
        byte[] eSeed = seed("ephemerals 2");
        byte[] iSeed = seed("indices 2");
        TranscriptRandom rng = new TranscriptRandom(eSeed, iSeed);
        ScriptedPeer w2 = new ScriptedPeer(w2Key, X25519.publicKey(goKey), PresharedKey.NONE, new FakeClock(EPOCH_2),
                rng, rng);
        List<byte[]> extras = new ArrayList<>();
        Process ping = new ProcessBuilder("ip", "netns", "exec", go, "ping", "-n", "-c", "1", "-W", "5", "-s", "40",
                "-p", "77617272656e", "10.100.0.3").redirectErrorStream(true).start();
        try {
            SocketAddress[] from = new SocketAddress[1];
            byte[] initiation = receive(ch, t -> t == WgMessage.TYPE_INITIATION, extras, from);
            byte[] response = w2.respond(initiation);
            if (response == null) {
                throw new AssertionError("Warren refused wireguard-go's initiation");
            }
            ch.send(ByteBuffer.wrap(response), from[0]);
            byte[] transportIn = receive(ch, t -> t == WgMessage.TYPE_TRANSPORT, extras, null);
            byte[] plain = w2.open(transportIn);
            if (plain == null || IcmpPackets.parse(plain) == null) {
                throw new AssertionError("wireguard-go's first transport message is not the echo request");
            }
            byte[] echoRequest = IcmpPackets.trim(plain);
            byte[] echoReply = IcmpPackets.replyTo(echoRequest, 2);
            byte[] transportOut = w2.seal(echoReply);
            ch.send(ByteBuffer.wrap(transportOut), from[0]);
            if (!ping.waitFor(10, TimeUnit.SECONDS) || ping.exitValue() != 0) {
                throw new AssertionError("ping through wireguard-go failed: "
                        + new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", "go-initiates");
            f.put("warren_private", w2Key.toBytes());
            f.put("warren_public", X25519.publicKey(w2Key).toBytes());
            f.put("go_private", goKey.toBytes());
            f.put("go_public", X25519.publicKey(goKey).toBytes());
            f.put("psk", PresharedKey.NONE.toBytes());
            f.put("ephemeral_seed", eSeed);
            f.put("index_seed", iSeed);
            f.put("epoch_nanos", EPOCH_2);
            f.put("warren_ephemeral_private", X25519.generatePrivateKey(new DeterministicRandom(eSeed)).toBytes());
            f.put("warren_sender_index", Integer.toUnsignedString(new DeterministicRandom(iSeed).nextInt()));
            f.put("initiation", initiation);
            f.put("response", response);
            f.put("transport_in", transportIn);
            f.put("echo_request", echoRequest);
            f.put("echo_reply", echoReply);
            f.put("transport_out", transportOut);
            Thread.sleep(200); // anything wireguard-go sends right after the exchange goes into the extras
            byte[] late;
            while ((late = poll(ch, null)) != null) {
                extras.add(late);
            }
            putExtras(f, extras);
            return f;
        } finally {
            ping.destroyForcibly();
        }
    }

    private static void putExtras(Map<String, Object> f, List<byte[]> extras) {
        for (int i = 0; i < extras.size(); i++) {
            f.put("extra_in_" + i, extras.get(i));
        }
    }

    private static DatagramChannel openIn(String ns) throws Exception {
        return InNetns.call(ns, () -> {
            DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET);
            c.bind(new InetSocketAddress(IpAddresses.toInetAddress(US_UNDERLAY), 0));
            c.configureBlocking(false);
            return c;
        });
    }

    /** The next datagram whose type passes {@code wanted}; others go to {@code extras}. */
    private static byte[] receive(DatagramChannel ch, IntPredicate wanted, List<byte[]> extras, SocketAddress[] from)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            byte[] d = poll(ch, from);
            if (d == null) {
                Thread.sleep(1);
            } else if (wanted.test(ScriptedPeer.typeOf(d))) {
                return d;
            } else {
                extras.add(d);
            }
        }
        throw new AssertionError("nothing received from wireguard-go within " + WAIT);
    }

    private static byte[] poll(DatagramChannel ch, SocketAddress[] from) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        SocketAddress src = ch.receive(buf);
        if (src == null) {
            return null;
        }
        if (from != null) {
            from[0] = src;
        }
        buf.flip();
        byte[] d = new byte[buf.remaining()];
        buf.get(d);
        return d;
    }

    private static void awaitSocket(String wg, Process daemon, Path log) throws InterruptedException, IOException {
        Path sock = Path.of("/var/run/wireguard", wg + ".sock");
        for (int i = 0; i < 200 && !Files.exists(sock); i++) {
            if (!daemon.isAlive()) {
                throw new IOException("wireguard-go exited with " + daemon.exitValue() + ": " + readQuietly(log));
            }
            Thread.sleep(25);
        }
        if (!Files.exists(sock)) {
            throw new IOException("wireguard-go did not create " + sock);
        }
    }

    private static Path secret(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content + "\n");
        return f;
    }

    private static String readQuietly(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "(none)";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
