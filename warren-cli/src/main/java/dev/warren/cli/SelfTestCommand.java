package dev.warren.cli;

import dev.warren.crypto.X25519;
import dev.warren.net.tun.LinuxTun;
import dev.warren.wireguard.uapi.UapiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code warren selftest}: two WireGuard engines in this process, connected in memory (or over real UDP on
 * loopback), complete a handshake and exchange packets both ways. Needs no privileges; checks the JDK's
 * crypto and the engine on this machine, and is the training run for the launcher's start-up cache: with
 * {@code --uapi} it also serves engine A's UAPI on a socket in a temporary directory, adds and removes a peer
 * through it as {@code wg set} would and asks it for its configuration as {@code wg show} would, so the cache
 * covers the {@code warren wg} daemon's start-up path.
 */
@Command(name = "selftest", description = "Run two WireGuard engines in memory and check they talk (no root needed).")
final class SelfTestCommand implements Callable<Integer> {
    @Option(names = "--packets", defaultValue = "2000", description = "Packets to send each way (default ${DEFAULT-VALUE}).")
    int packets;

    @Option(names = "--udp", description = "Carry the engines' traffic over real UDP sockets on the loopback interface "
            + "(Linux batched sockets) instead of in memory.")
    boolean udp;

    @Option(names = "--uapi", description = "Also serve engine A's UAPI on a temporary socket and query it.")
    boolean uapi;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (udp) {
            // also initialise the TUN layer's classes (no device is created), so a start-up cache trained on this
            // run covers them. (Not Warmup's work: trained with it, the cache's replayed profiles halved the
            // tunnel's UDP packet rate in alternating runs — ADR 0019.)
            Class.forName(LinuxTun.class.getName(), true, SelfTestCommand.class.getClassLoader());
        }
        try (InMemoryPair pair = new InMemoryPair("selftest", udp)) {
            if (uapi) {
                String reply = queryUapi(pair);
                if (!reply.contains("private_key=") || !reply.endsWith("errno=0\n\n")) {
                    System.err.println("selftest FAILED: unexpected UAPI reply: " + reply);
                    return 1;
                }
            }
            if (!pair.handshake(Duration.ofSeconds(20))) {
                System.err.println("selftest FAILED: no handshake within 20 s; drops " + pair.a.drops().snapshot()
                        + " / " + pair.b.drops().snapshot());
                return 1;
            }
            long handshake = System.nanoTime() - t0;
            int lost = pair.exchange(packets, 1000, Duration.ofSeconds(20));
            if (lost >= 0) {
                System.err.println("selftest FAILED: packet " + lost + " lost; drops " + pair.a.drops().snapshot()
                        + " / " + pair.b.drops().snapshot());
                return 1;
            }
            System.out.printf("selftest ok: handshake and first packet in %d ms, %d packets each way in %d ms%n",
                    handshake / 1_000_000, packets, (System.nanoTime() - t0 - handshake) / 1_000_000);
            return 0;
        }
    }

    /**
     * Serves A's UAPI on a socket in a fresh temporary directory; adds a peer and removes it again (as {@code wg
     * set} does), then sends {@code get=1} and returns the reply, which should not list that peer.
     */
    private static String queryUapi(InMemoryPair pair) throws IOException {
        Path dir = Files.createTempDirectory("warren-selftest");
        Path socket = dir.resolve("selftest.sock");
        String stranger = X25519.publicKey(X25519.generatePrivateKey()).toHex();
        try (UapiServer server = UapiServer.start(socket, pair.a);
             SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.socketPath()));
            String added = request(ch, "set=1\npublic_key=" + stranger + "\nreplace_allowed_ips=true\n"
                    + "allowed_ip=10.255.255.1/32\nallowed_ip=fd00:ffff::1/128\npersistent_keepalive_interval=0\n\n");
            String removed = request(ch, "set=1\npublic_key=" + stranger + "\nremove=true\n\n");
            String config = request(ch, "get=1\n\n");
            if (!added.equals("errno=0\n\n") || !removed.equals("errno=0\n\n") || config.contains(stranger)) {
                return "set: " + added + "remove: " + removed + "get: " + config + "(the peer added should be gone)";
            }
            return config;
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static String request(SocketChannel ch, String request) throws IOException {
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        StringBuilder reply = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (reply.indexOf("\n\n") < 0 && ch.read(buf.clear()) > 0) {
            reply.append(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
        }
        return reply.toString();
    }
}
