package dev.warren.node;

import dev.warren.channel.ControlChannelClient;
import dev.warren.channel.ControlChannelServer;
import dev.warren.channel.ServerKey;
import dev.warren.crypto.X25519;
import dev.warren.net.udp.Binds;
import dev.warren.testing.ChannelTun;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import io.javalin.Javalin;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The body of {@link NodeDaemonLabTest}, run as its own process inside a network namespace (so every thread and
 * every {@code ip} command it starts is in there): a control server (the fake handler behind the real Noise
 * channel), the daemon on a real TUN device, and a second node on a ChannelTun with a real UDP socket.
 * Arguments: STATE_DIR SOCKET TUN UNDERLAY_IP. Prints progress; exits 0 after "LAB OK".
 */
public final class LabMain {
    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path socket = Path.of(args[1]);
        String tunName = args[2];
        String underlay = args[3];
        PrivateKey serverKey = X25519.generatePrivateKey();
        FakeControl control = new FakeControl();
        Javalin app = Javalin.create(config -> {
            config.jetty.host = underlay;
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            ControlChannelServer.install(config, "/control", serverKey, control);
            ControlChannelServer.installKeyEndpoint(config, X25519.publicKey(serverKey));
        }).start();
        URI server = URI.create("http://" + underlay + ":" + app.port());
        step("control at " + server);

        // a data plane that only observes (as magicsock will attach): it must get the daemon's backend
        java.util.concurrent.atomic.AtomicReference<NodeBackend> attached = new java.util.concurrent.atomic.AtomicReference<>();
        NodeDaemon daemon = NodeDaemon.start(new NodeConfig(state, tunName, 0, socket, Clock.system()),
                ControlTransport.dialers(), ControlTransport.serverKeys(),
                ctx -> new DataPlane(ctx.udp(), null, null, attached::set));
        step("daemon up on " + daemon.interfaceName());
        check(attached.get() == daemon.backend(), "the data plane was attached to the daemon's backend");
        ExecutorScheduler sched = new ExecutorScheduler("peer-timers");
        ChannelTun peerTun = new ChannelTun("peer");
        NodeBackend peer = new NodeBackend(Files.createTempDirectory("peer"), 0, peerTun, Binds.create(),
                (uri, key, machine) -> ControlChannelClient.dialer(uri, key, machine, Duration.ofSeconds(5)),
                uri -> ServerKey.fetch(uri, Duration.ofSeconds(5)), Clock.system(), sched, AddressConfigurer.NONE,
                () -> List.of(address(underlay)));
        peer.up(server, FakeControl.GOOD_KEY, "peer");
        step("peer registered: " + peer.status().selfAddresses());

        LocalApiClient client = new LocalApiClient(socket);
        Status s = client.up(server, FakeControl.GOOD_KEY, "labnode", Duration.ofSeconds(20), u -> { });
        check(s.state() == BackendState.Running, "daemon running: " + s);
        step("daemon registered: " + s.selfAddresses());
        waitFor("each sees the other", () -> client.status().peers().size() == 1 && peer.status().peers().size() == 1);

        // the daemon's kernel answers: TUN, addresses and routes are real
        PingResult toDaemon = peer.ping("labnode", Duration.ofSeconds(5));
        check(toDaemon.replied(), "kernel of the daemon answered the peer's ping: " + toDaemon);
        step("peer → daemon: pong in " + toDaemon.rttMillis() + " ms");

        Thread responder = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    byte[] p = peerTun.take(Duration.ofSeconds(30));
                    if (p != null && (p[0] & 0xf0) == 0x40 && p[9] == 1 && p[20] == 8) {
                        peerTun.inject(NodeBackendTest.replyTo(p));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        PingResult toPeer = client.ping("peer", Duration.ofSeconds(5));
        check(toPeer.replied(), "ping through the local API: " + toPeer);
        check(toPeer.direct(), "the reply came over the direct path: " + toPeer.path());
        check(client.status().peers().getFirst().path().startsWith("direct "), "status PATH: "
                + client.status().peers().getFirst().path());
        step("daemon → peer: pong from " + toPeer.peer() + " (" + toPeer.address() + ") in " + toPeer.rttMillis() + " ms");
        check(client.whois(peer.status().selfAddresses().getFirst()).orElseThrow().name().equals("peer"), "whois");
        String addrs = run("ip", "addr", "show", "dev", daemon.interfaceName());
        check(addrs.contains(s.selfAddresses().getFirst() + "/32"), "address on the TUN: " + addrs);
        check(run("ip", "link", "show", "dev", daemon.interfaceName()).contains("mtu 1280"), "MTU 1280");
        check(run("ip", "route", "show").contains("100.64.0.0/10 dev " + daemon.interfaceName()), "route");

        daemon.close();
        check(!Files.exists(socket), "socket removed");
        Thread.sleep(200);
        check(!run("ip", "link", "show").contains(daemon.interfaceName() + ":"), "TUN removed");
        responder.interrupt();
        peer.close();
        sched.close();
        app.stop();
        System.out.println("LAB OK");
        System.exit(0);
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    interface Cond {
        boolean test() throws Exception;
    }

    private static void waitFor(String what, Cond c) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!c.test()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            fail(what);
        }
    }

    private static void fail(String what) {
        System.out.println("LAB FAILED: " + what);
        System.out.flush();
        Runtime.getRuntime().halt(1);
    }

    private static void step(String s) {
        System.out.println("lab: " + s);
        System.out.flush();
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
