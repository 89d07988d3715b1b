package dev.warren.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.channel.InMemoryConnections;
import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlOptions;
import dev.warren.control.ControlServer;
import dev.warren.crypto.X25519;
import dev.warren.node.ControlDialerFactory;
import dev.warren.node.DataPlane;
import dev.warren.node.LocalApiClient;
import dev.warren.node.NodeBackend;
import dev.warren.node.PeerInfo;
import dev.warren.node.PingResult;
import dev.warren.node.dataplane.MagicDataPlane;
import dev.warren.node.internal.LocalApiServer;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.testing.Packets;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real control server, a real relay server on loopback and real nodes with the magicsock data plane in one JVM:
 * each {@link NodeBackend} runs the WireGuard engine on an in-memory TUN, magicsock over an in-memory UDP network
 * ({@link ChannelNetwork}) that can drop every datagram, and {@link dev.warren.magicsock.relay.RelayClientLinks}
 * over TCP to the relay. Shows what the integration must deliver: with direct UDP blocked the nodes pick the relay
 * as home (netcheck over the relay link), tell control, and carry WireGuard through the relay (status: "relay
 * lab"); once UDP is allowed disco upgrades the path to direct (status: "direct 192.0.2.x:port"); netcheck through
 * the local API names the region.
 */
class MagicMeshHarnessTest {
    private static final URI SERVER = URI.create("http://control.test");

    @TempDir
    Path dir;

    private final FakeClock controlClock = new FakeClock(System.currentTimeMillis() * 1_000_000L);
    private final ManualScheduler controlScheduler = new ManualScheduler(controlClock);
    private final ChannelNetwork net = new ChannelNetwork();
    private final AtomicBoolean udpBlocked = new AtomicBoolean();
    private final ExecutorScheduler nodeScheduler = new ExecutorScheduler("magic-harness");
    private final List<AutoCloseable> closeMe = new ArrayList<>();
    private ControlServer control;
    private RelayServer relay;
    private String authKey;

    /**
     * One node. {@code addresses} is what its magicsock offers as interface addresses and, with them, what its
     * network monitor sees: changing it is a network change.
     */
    private record Node(String name, ChannelTun tun, NodeBackend backend, MagicDataPlane plane,
                        AtomicReference<List<InetAddress>> addresses) {
        String v4() {
            return backend.status().selfAddresses().stream().filter(a -> a.indexOf(':') < 0).findFirst().orElseThrow();
        }

        PeerInfo peer(String name) {
            return backend.status().peers().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        }

        String pathTo(String name) {
            PeerInfo p = peer(name);
            return p == null ? "(no peer)" : p.path();
        }
    }

    private void start() throws IOException {
        control = ControlServer.startForTest(dir.resolve("control"), controlClock,
                ControlOptions.defaults().withScheduler(controlScheduler));
        control.admin().createDomain("harness", false);
        authKey = control.admin().createAuthKey(new AuthKeySpec("harness", true, false, true, List.of(), null, null));
        relay = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(), Clock.system(),
                nodeScheduler));
        control.admin().setRelayMap(new RelayMap(List.of(new RelayMap.RelayRegion(1, "lab", "Loopback lab",
                List.of(new RelayMap.RelayNode("lab1", "127.0.0.1", "127.0.0.1", null, relay.address().getPort(), 0,
                        false))))));
        net.dropWhen(b -> udpBlocked.get());
    }

    private ControlDialerFactory dialers() {
        return (uri, serverKey, machine) -> InMemoryConnections.dialer(X25519.publicKey(machine), serverKey,
                control.connectionHandler());
    }

    private Node node(String name, int index) throws IOException {
        byte[] underlay = IpAddresses.parse("192.0.2." + index);
        InetAddress underlayAddress = InetAddress.getByAddress(underlay);
        ChannelTun tun = new ChannelTun(name);
        AtomicReference<List<InetAddress>> addresses = new AtomicReference<>(List.of(underlayAddress));
        MagicDataPlane plane = MagicDataPlane.create(new DataPlane.Context(net.bind(underlay), name, Clock.system(),
                nodeScheduler), new MagicDataPlane.Options(addresses::get, null, false, true, addresses::get));
        DataPlane dp = plane.dataPlane();
        NodeBackend b = new NodeBackend(dir.resolve(name), 0, tun, dialers(), uri -> control.publicKey(),
                Clock.system(), nodeScheduler, null, () -> List.of(underlayAddress), dp);
        closeMe.add(b);
        dp.attach().accept(b);
        b.up(SERVER, authKey, name);
        return new Node(name, tun, b, plane, addresses);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeMe.reversed()) {
            c.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (control != null) {
            control.close();
        }
        nodeScheduler.close();
    }

    private static void await(String what, Duration limit, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * A network change (an address appears on a's host): the monitor notices within its 2 s poll, magicsock
     * rebinds and re-reports its endpoints, and b learns a's new endpoint from control; traffic still flows.
     */
    @Test
    void aNetworkChangeReachesThePeerAsNewEndpoints() throws Exception {
        start();
        Node a = node("a", 1);
        Node b = node("b", 2);
        // each knows the other's endpoint (before that a first handshake may need WireGuard's 5 s retry)
        await("b knows a's endpoint", Duration.ofSeconds(20), () -> b.peer("a") != null
                && b.peer("a").endpoints().stream().anyMatch(e -> e.startsWith("192.0.2.1:")));
        await("a knows b's endpoint", Duration.ofSeconds(20), () -> a.peer("b") != null
                && a.peer("b").endpoints().stream().anyMatch(e -> e.startsWith("192.0.2.2:")));
        deliver(a, b, "before");
        InetAddress extra = InetAddress.getByAddress(IpAddresses.parse("198.51.100.1"));
        long t0 = System.nanoTime();
        a.addresses().set(List.of(a.addresses().get().getFirst(), extra));
        await("b learns a's new address", Duration.ofSeconds(15), () -> b.peer("a").endpoints().stream()
                .anyMatch(e -> e.startsWith("198.51.100.1:")));
        System.out.printf("network change → peer's view: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        deliver(a, b, "after the rebind");
        deliver(b, a, "and back");
    }

    /** One UDP datagram through the tunnel from {@code from} to {@code to}; returns the milliseconds it took. */
    private static long deliver(Node from, Node to, String text) throws Exception {
        byte[] p = Packets.udp4(IpAddresses.parse(from.v4()), IpAddresses.parse(to.v4()), 4000, 5000,
                text.getBytes(StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        from.tun().inject(p);
        byte[] got = to.tun().take(Duration.ofSeconds(10));
        assertNotNull(got, from.name() + " → " + to.name() + ": nothing arrived (" + text + ")");
        assertArrayEquals(p, got, from.name() + " → " + to.name());
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void peersTalkThroughTheRelayWhileUdpIsBlockedThenGoDirect() throws Exception {
        start();
        udpBlocked.set(true);
        Node a = node("a", 1);
        Node b = node("b", 2);
        // netcheck finds no STUN (UDP blocked), measures the region over the relay link, makes it home, and the
        // home relay reaches the peer through control
        await("a and b learn each other's home relay", Duration.ofSeconds(20), () -> {
            PeerInfo ab = a.peer("b");
            PeerInfo ba = b.peer("a");
            return ab != null && ba != null && ab.homeRelay() == 1 && ba.homeRelay() == 1;
        });
        assertEquals(1, a.backend().status().homeRelay());
        String engineEndpoint = a.backend().device().state().peers().stream() // b is a's only peer
                .map(p -> String.valueOf(p.endpoint())).findFirst().orElse("none");
        assertTrue(engineEndpoint.startsWith("[100::"),
                "the engine's endpoint is magicsock's synthetic one: " + engineEndpoint);
        assertEquals(null, a.peer("b").currentEndpoint(), "status shows no underlay address while relayed");
        assertEquals(b.backend().discoKey(), b.plane().magicSock().discoKey(), "one disco key per node");
        assertEquals(b.backend().discoKey().toString(), a.peer("b").discoKey());

        long first = deliver(a, b, "via the relay");
        long back = deliver(b, a, "and back via the relay");
        System.out.printf("relayed: first packet (with handshake) %d ms, reply %d ms%n", first, back);
        assertEquals("relay lab", a.pathTo("b"));
        assertEquals("relay lab", b.pathTo("a"));
        String table = dev.warren.cli.node.StatusCommandAccess.format(a.backend().status());
        assertTrue(table.lines().anyMatch(l -> l.matches(".* b +yes +relay lab .*")), table);

        PingResult relayed = a.backend().ping("b", Duration.ofSeconds(5));
        assertTrue(relayed.replied(), relayed.toString());
        assertEquals("relay lab", relayed.path());

        // netcheck through the local API names the region
        Path socket = dir.resolve("a.sock");
        try (LocalApiServer api = LocalApiServer.start(socket, a.backend())) {
            JsonNode r = new LocalApiClient(socket).netcheck(Duration.ofSeconds(10));
            assertEquals(1, r.get("preferredRegion").asInt(), r.toString());
            assertEquals("lab", r.get("regions").get(0).get("code").asText(), r.toString());
            assertEquals("relay", r.get("regions").get(0).get("via").asText(), "no STUN with UDP blocked: " + r);
            assertTrue(r.get("regions").get(0).get("latencyMs").isNumber(), r.toString());
        }

        // allow UDP: disco proves the direct path while traffic flows
        udpBlocked.set(false);
        long t0 = System.nanoTime();
        int i = 0;
        while (!(a.pathTo("b").startsWith("direct ") && b.pathTo("a").startsWith("direct "))) {
            if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
                throw new AssertionError("no direct path within 30 s: a→b " + a.pathTo("b") + ", b→a " + b.pathTo("a"));
            }
            deliver(a, b, "keep going " + i);
            deliver(b, a, "and back " + i++);
            Thread.sleep(100);
        }
        System.out.printf("relay → direct %d ms after UDP was allowed%n", (System.nanoTime() - t0) / 1_000_000);
        assertTrue(a.pathTo("b").matches("direct 192\\.0\\.2\\.2:\\d+"), a.pathTo("b"));
        assertTrue(b.pathTo("a").matches("direct 192\\.0\\.2\\.1:\\d+"), b.pathTo("a"));
        deliver(a, b, "direct");
        PingResult direct = a.backend().ping("b", Duration.ofSeconds(5));
        assertTrue(direct.replied() && direct.direct(), direct.toString());
        String after = dev.warren.cli.node.StatusCommandAccess.format(a.backend().status());
        assertTrue(after.lines().anyMatch(l -> l.matches(".* b +yes +direct 192\\.0\\.2\\.2:\\d+ .*")), after);

        // block again: back to the relay once trust lapses (6.5 s), traffic keeps flowing
        udpBlocked.set(true);
        t0 = System.nanoTime();
        while (!a.pathTo("b").startsWith("relay ")) {
            if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
                throw new AssertionError("no fallback to the relay within 30 s: " + a.pathTo("b"));
            }
            a.tun().inject(Packets.udp4(IpAddresses.parse(a.v4()), IpAddresses.parse(b.v4()), 4000, 5000,
                    new byte[]{1}));
            Thread.sleep(200);
        }
        while (b.tun().take(Duration.ofMillis(10)) != null) {
            // drain what the loop sent
        }
        deliver(a, b, "relayed again");
    }
}
