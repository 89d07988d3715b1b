package dev.warren.cli.relay;

import dev.warren.crypto.X25519;
import dev.warren.relay.server.Admission;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.relay.server.TlsFiles;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warren relay serve}: validates every flag and file first (each problem is one line naming the flag or
 * file), then runs a {@link RelayServer} until SIGINT/SIGTERM.
 */
@Command(name = "serve", description = "Run a relay server until interrupted (SIGINT/SIGTERM).")
public final class RelayServeCommand implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
            description = "TCP address for clients (HTTP upgrade; TLS with --tls-cert), e.g. 0.0.0.0:443 or [::]:443;"
                    + " port 0 = any free one. STUN listens on UDP of the same host.")
    String listen;

    @Option(names = "--stun-port", paramLabel = "N", defaultValue = "3478",
            description = "UDP port of the STUN server on the listen host (default: ${DEFAULT-VALUE}; 0 = no STUN).")
    int stunPort;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain, leaf first (with --tls-key; without both the relay speaks plain TCP).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--mesh-with", paramLabel = "HOST:PORT", split = ",",
            description = "The other relays of this region; packets for their clients are forwarded one hop."
                    + " Needs --mesh-key. Listing this relay itself is harmless.")
    List<String> meshWith = new ArrayList<>();

    @Option(names = "--mesh-key", paramLabel = "FILE",
            description = "File holding the region's shared mesh secret: 64 hex characters (32 bytes), e.g. from"
                    + " 'openssl rand -hex 32'. Relays presenting it are trusted as mesh peers.")
    Path meshKeyFile;

    @Option(names = "--control", paramLabel = "URL",
            description = "Control server to ask whether a node key may connect (GET URL/relay/admit; answers cached"
                    + " 1 min, refusals 10 s). Without it every key that proves possession is admitted.")
    String control;

    @Option(names = "--control-token", paramLabel = "FILE",
            description = "File holding the bearer token for --control.")
    Path controlToken;

    @Option(names = "--rate-limit", paramLabel = "BYTES/s", defaultValue = "0",
            description = "Per-client receive limit in bytes per second (default: 0 = none; mesh peers exempt).")
    long rateLimit;

    @Option(names = "--rate-burst", paramLabel = "BYTES",
            description = "Burst of --rate-limit in bytes (default: one second of it, at least one 64 KiB frame).")
    Long rateBurst;

    @Option(names = "--max-clients", paramLabel = "N", defaultValue = "10000",
            description = "Most client connections at once (default: ${DEFAULT-VALUE}).")
    int maxClients;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "The relay's private key (base64), created if missing; default: a new key each start."
                    + " Clients learn the key in every handshake, so a fixed key is optional.")
    Path keyFile;

    private final CountDownLatch stop = new CountDownLatch(1);
    /** The running server, once started (tests use it). */
    volatile RelayServer server;

    @Override
    public Integer call() {
        RelayServerConfig cfg;
        ExecutorScheduler scheduler = new ExecutorScheduler("relay-timers");
        try {
            cfg = config(scheduler);
            server = RelayServer.start(cfg);
        } catch (IllegalArgumentException | IOException e) {
            scheduler.close();
            System.err.println("warren relay serve: " + e.getMessage());
            return 1;
        }
        RelayServer s = server;
        Thread hook = new Thread(this::stop, "warren-relay-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        InetSocketAddress a = s.address();
        System.out.println("relay listening on " + hostPort(a) + (cfg.tls() != null ? " (TLS)" : ""));
        System.out.println("relay key " + NodeKey.of(s.publicKey()).toString().replace("nodekey:", ""));
        System.out.println(s.stunPort() != 0 ? "STUN on UDP port " + s.stunPort() : "STUN off");
        if (!cfg.meshWith().isEmpty()) {
            System.out.println("meshing with " + String.join(", ", meshWith));
        }
        System.out.println(cfg.admission().checksControl() ? "admitting node keys known to " + control
                : "admitting every node key that proves possession (no --control)");
        System.out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        s.close();
        scheduler.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
        return 0;
    }

    /** Stops a running {@link #call()}. */
    void stop() {
        stop.countDown();
    }

    private RelayServerConfig config(ExecutorScheduler scheduler) throws IOException {
        InetSocketAddress listenAt = parseHostPort("--listen", listen);
        if (stunPort < 0 || stunPort > 65535) {
            throw new IllegalArgumentException("--stun-port " + stunPort + " is outside 0..65535");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together; give both or neither");
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("--max-clients must be at least 1");
        }
        if (rateLimit < 0) {
            throw new IllegalArgumentException("--rate-limit must not be negative");
        }
        long burst = rateBurst != null ? rateBurst : Math.max(rateLimit, RelayServerConfig.MIN_BURST);
        if (rateLimit > 0 && burst < RelayServerConfig.MIN_BURST) {
            throw new IllegalArgumentException("--rate-burst " + burst + " is smaller than one maximal frame ("
                    + RelayServerConfig.MIN_BURST + " bytes)");
        }
        if (rateBurst != null && rateLimit == 0) {
            throw new IllegalArgumentException("--rate-burst needs --rate-limit");
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String m : meshWith) {
            peers.add(parseHostPort("--mesh-with", m.strip()));
        }
        byte[] meshKey = meshKeyFile == null ? null : readMeshKey(meshKeyFile);
        if (!peers.isEmpty() && meshKey == null) {
            throw new IllegalArgumentException("--mesh-with needs --mesh-key FILE (the region's shared secret)");
        }
        if ((control == null) != (controlToken == null)) {
            throw new IllegalArgumentException("--control and --control-token go together");
        }
        Admission admission = Admission.allowAll();
        if (control != null) {
            String token = readText(controlToken, "--control-token");
            try {
                admission = Admission.control(URI.create(control), token, Clock.system(), Duration.ofSeconds(5));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--control: " + e.getMessage());
            }
        }
        SSLContext tls = tlsCert == null ? null : TlsFiles.serverContext(tlsCert, tlsKey);
        PrivateKey key = keyFile == null ? X25519.generatePrivateKey() : loadOrCreateKey(keyFile);
        String host = listenAt.getHostString();
        return RelayServerConfig.of(host, listenAt.getPort(), key, Clock.system(), scheduler)
                .withTls(tls)
                .withStunPort(stunPort)
                .withMesh(peers, meshKey, tls != null, null)
                .withAdmission(admission)
                .withRateLimit(rateLimit, rateLimit > 0 ? burst : 0)
                .withLimits(maxClients, RelayServerConfig.DEFAULT_HANDSHAKE_TIMEOUT,
                        RelayServerConfig.DEFAULT_WRITE_DEADLINE);
    }

    static InetSocketAddress parseHostPort(String flag, String s) {
        return dev.warren.cli.HostPorts.parse(flag, s, "0.0.0.0:443 or [::1]:443");
    }

    static byte[] readMeshKey(Path file) throws IOException {
        String text = readText(file, "--mesh-key");
        if (text.length() != 64) {
            throw new IllegalArgumentException("mesh key file " + file + ": expected 64 hex characters (32 bytes),"
                    + " found " + text.length() + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("mesh key file " + file + ": character " + (i + 1) + " ('"
                        + text.charAt(i) + "') is not a hex digit");
            }
        }
        return HexFormat.of().parseHex(text.toLowerCase(java.util.Locale.ROOT));
    }

    private static String readText(Path file, String flag) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException(flag + ": cannot read " + file + ": " + e.getMessage());
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(flag + ": " + file + " is empty");
        }
        return text;
    }

    private static PrivateKey loadOrCreateKey(Path file) throws IOException {
        if (Files.exists(file)) {
            String text = readText(file, "--key-file");
            try {
                return PrivateKey.fromBase64(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--key-file " + file + ": " + e.getMessage());
            }
        }
        PrivateKey k = X25519.generatePrivateKey();
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (IOException e) {
            throw new IOException("--key-file: cannot create " + file + ": " + e.getMessage());
        }
        Files.writeString(file, k.toBase64() + "\n");
        return k;
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
