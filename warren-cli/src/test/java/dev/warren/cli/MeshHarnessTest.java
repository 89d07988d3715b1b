package dev.warren.cli;

import dev.warren.channel.ControlConnection;
import dev.warren.channel.InMemoryConnections;
import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlOptions;
import dev.warren.control.ControlServer;
import dev.warren.control.NodeView;
import dev.warren.crypto.X25519;
import dev.warren.node.ControlDialerFactory;
import dev.warren.node.NodeBackend;
import dev.warren.node.PeerInfo;
import dev.warren.node.PingResult;
import dev.warren.wire.control.RelayMap;
import dev.warren.node.Status;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.testing.Packets;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real control server and real nodes in one JVM: {@link ControlServer} (SQLite in a temp dir) and N
 * {@link NodeBackend}s, each with the real WireGuard engine on an in-memory TUN and network, talking the real
 * control protocol over in-memory connections. Checks what only the whole system shows: packets flow between
 * nodes configured by control, deletions and expiry reach peers, and views converge after reconnect storms.
 */
class MeshHarnessTest {
    private static final URI SERVER = URI.create("http://control.test");

    @TempDir
    Path dir;

    private final FakeClock controlClock = new FakeClock(System.currentTimeMillis() * 1_000_000L);
    private final ManualScheduler controlScheduler = new ManualScheduler(controlClock);
    private final ChannelNetwork net = new ChannelNetwork();
    private final ExecutorScheduler nodeScheduler = new ExecutorScheduler("harness-node");
    private final List<ControlConnection> clientConnections = new CopyOnWriteArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private ControlServer control;
    private String authKey;

    private record Node(String name, ChannelTun tun, NodeBackend backend) {
        String v4() {
            return backend.status().selfAddresses().stream().filter(a -> a.indexOf(':') < 0).findFirst().orElseThrow();
        }

        Set<String> peerNames() {
            return backend.status().peers().stream().map(PeerInfo::name).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private void startControl() throws IOException {
        control = ControlServer.startForTest(dir.resolve("control"), controlClock,
                ControlOptions.defaults().withScheduler(controlScheduler));
        control.admin().createDomain("harness", false);
        authKey = control.admin().createAuthKey(new AuthKeySpec("harness", true, false, true, List.of(), null, null));
    }

    private ControlDialerFactory dialers() {
        return (uri, serverKey, machine) -> {
            var inMemory = InMemoryConnections.dialer(X25519.publicKey(machine), serverKey, control.connectionHandler());
            return () -> {
                ControlConnection c = inMemory.connect();
                clientConnections.add(c);
                return c;
            };
        };
    }

    private Node node(String name) throws IOException {
        byte[] underlay = IpAddresses.parse("192.0.2." + (nodes.size() + 1));
        InetAddress underlayAddress = InetAddress.getByAddress(underlay);
        ChannelTun tun = new ChannelTun(name);
        NodeBackend b = new NodeBackend(dir.resolve(name), 0, tun, net.bind(underlay), dialers(),
                uri -> control.publicKey(), Clock.system(), nodeScheduler, null,
                () -> List.of(underlayAddress));
        Node n = new Node(name, tun, b);
        nodes.add(n);
        b.up(SERVER, authKey, name);
        return n;
    }

    @AfterEach
    void tearDown() {
        for (Node n : nodes) {
            n.backend().close();
        }
        if (control != null) {
            control.close();
        }
        nodeScheduler.close();
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        await(what, Duration.ofSeconds(10), cond);
    }

    private static void await(String what, Duration limit, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Whether {@code n} has {@code peer} in its map with an endpoint to send to. */
    private static boolean knowsEndpoint(Node n, String peer) {
        return n.backend().status().peers().stream()
                .anyMatch(p -> p.name().equals(peer) && p.endpoints() != null && !p.endpoints().isEmpty());
    }

    private static void assertDelivers(Node from, Node to, String text) throws Exception {
        byte[] p = Packets.udp4(IpAddresses.parse(from.v4()), IpAddresses.parse(to.v4()), 4000, 5000,
                text.getBytes(StandardCharsets.UTF_8));
        from.tun().inject(p);
        // first handshakes that cross (both nodes initiate at once, as nodes configured by one map do) need no retry
        // after REKEY_TIMEOUT (DeviceTest.crossingInitiationsDoNotStallBothSides checks that on fake time); the
        // bound here leaves room for a loaded machine
        byte[] got = to.tun().take(Duration.ofSeconds(8));
        assertNotNull(got, from.name() + " → " + to.name() + ": nothing arrived");
        assertArrayEquals(p, got, from.name() + " → " + to.name());
    }

    private long idOf(String name) {
        return control.admin().listNodes("harness").stream().filter(v -> v.name().equals(name)).findFirst()
                .map(NodeView::id).orElseThrow();
    }

    @Test
    void nodesConfiguredByControlCarryPacketsBetweenEachOther() throws Exception {
        startControl();
        for (String name : List.of("a", "b", "c", "d")) {
            node(name);
        }
        for (Node n : nodes) {
            await(n.name() + " sees three peers with endpoints", () -> n.backend().status().peers().size() == 3
                    && n.backend().status().peers().stream().allMatch(p -> p.endpoints() != null && !p.endpoints().isEmpty()));
        }
        Set<String> v4s = nodes.stream().map(Node::v4).collect(Collectors.toSet());
        assertEquals(4, v4s.size(), "distinct addresses");
        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    assertDelivers(from, to, "hello " + from.name() + " → " + to.name());
                }
            }
        }
    }

    @Test
    void deletingANodeReachesEveryPeerAndItsTrafficStops() throws Exception {
        startControl();
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        await("b sees a with its endpoint", () -> knowsEndpoint(b, "a"));
        await("a sees b and c", () -> a.peerNames().size() == 2);
        await("c sees a with its endpoint", () -> knowsEndpoint(c, "a"));
        assertDelivers(c, a, "before");
        String cV4 = c.v4();
        String aV4 = a.v4();
        control.admin().deleteNode(idOf("c"));
        long t0 = System.nanoTime();
        await("a drops c", () -> !a.peerNames().contains("c"));
        await("b drops c", () -> !b.peerNames().contains("c"));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "peers dropped c within 1 s");
        byte[] p = Packets.udp4(IpAddresses.parse(cV4), IpAddresses.parse(aV4), 1, 2, new byte[] {1});
        c.tun().inject(p);
        assertEquals(null, a.tun().take(Duration.ofMillis(500)), "a must not accept packets from deleted c");
        await("a sees b with its endpoint", () -> knowsEndpoint(a, "b"));
        assertDelivers(a, b, "a and b still talk");
    }

    @Test
    void keyExpiryOnFakeTimeRemovesTheNodeFromItsPeers() throws Exception {
        startControl();
        Node a = node("a");
        node("b");
        await("a sees b", () -> a.peerNames().contains("b") && a.backend().device().state().peers().size() == 1);
        assertEquals(1, a.backend().device().state().peers().size());
        controlClock.advance(Duration.ofDays(181));
        controlScheduler.advance(Duration.ofSeconds(2));
        await("a's engine drops b, whose key expired", () -> a.backend().device().state().peers().isEmpty());
    }

    @Test
    void reconnectStormsWithChangesEndWithEveryViewMatchingControl() throws Exception {
        startControl();
        for (String name : List.of("a", "b", "c", "d", "e")) {
            node(name);
        }
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            // drop a random subset of control connections, and change the network meanwhile
            for (ControlConnection c : clientConnections) {
                if (random.nextInt(3) == 0) {
                    c.close();
                }
            }
            List<NodeView> all = control.admin().listNodes("harness");
            NodeView victim = all.get(random.nextInt(all.size()));
            control.admin().renameNode(victim.id(), "n" + round + "-" + victim.name().replaceAll("^n\\d+-", ""));
            Thread.sleep(random.nextInt(30));
        }
        long t0 = System.nanoTime();
        for (Node n : nodes) {
            await(n.name() + "'s view matches control", Duration.ofSeconds(60), () -> {
                Set<String> want = control.admin().listNodes("harness").stream()
                        .filter(v -> !v.name().equals(n.backend().status().selfName()))
                        .map(NodeView::name).collect(Collectors.toCollection(TreeSet::new));
                return want.equals(n.peerNames());
            });
        }
        System.out.printf("views converged %d ms after the storm%n", (System.nanoTime() - t0) / 1_000_000);
        assertFalse(nodes.getFirst().peerNames().isEmpty());
        await("a knows e's endpoint", () -> nodes.get(0).backend().status().peers().stream()
                .allMatch(p -> p.endpoints() != null && !p.endpoints().isEmpty()));
        assertDelivers(nodes.get(0), nodes.get(4), "after the storm");
    }

    /** Capability version 2 end to end with the built-in path provider: disco keys, relay map, PATH, ping. */
    @Test
    void discoKeysRelayMapAndPathsReachStatusAndPing() throws Exception {
        startControl();
        Node a = node("a");
        Node b = node("b");
        await("a sees b with its disco key", () -> a.backend().status().peers().stream().anyMatch(
                p -> p.name().equals("b") && b.backend().discoKey().toString().equals(p.discoKey())));
        await("a knows b's endpoint", () -> knowsEndpoint(a, "b"));
        // (persistent keepalive may already have made a handshake, so the path may be direct or "-" here)
        PeerInfo before = a.backend().status().peers().getFirst();
        assertTrue(before.path().equals("-") || before.path().startsWith("direct 192.0.2.2:"), before.path());
        assertEquals(0, before.homeRelay());

        RelayMap relays = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt",
                List.of(new RelayMap.RelayNode("fra1", "relay.example.net", "203.0.113.7", null, 443, 3478, true)))));
        control.admin().setRelayMap(relays);
        await("the relay map reaches a", () -> relays.equals(a.backend().status().relayMap()));
        await("and b", () -> relays.equals(b.backend().status().relayMap()));

        assertDelivers(a, b, "hello");
        PeerInfo after = a.backend().status().peers().getFirst();
        assertEquals("direct 192.0.2.2:" + b.backend().device().listenPort(), after.path(),
                "a recent handshake: the control-announced endpoint is the direct path");
        String table = dev.warren.cli.node.StatusCommandAccess.format(a.backend().status());
        assertTrue(table.lines().anyMatch(l -> l.matches(".* b +yes +direct 192\\.0\\.2\\.2:\\d+ .*")), table);
        assertTrue(table.lines().findFirst().orElseThrow().contains(" PATH "), table);

        CompletableFuture<PingResult> ping = CompletableFuture.supplyAsync(() -> {
            try {
                return a.backend().ping("b", Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] req = b.tun().take(Duration.ofSeconds(5));
        assertNotNull(req, "the echo request reached b's host");
        b.tun().inject(echoReply(req));
        PingResult r = ping.get(5, TimeUnit.SECONDS);
        assertTrue(r.replied(), r.toString());
        assertTrue(r.direct(), r.path());
        assertTrue(dev.warren.cli.node.StatusCommandAccess.pingLine(r)
                .matches("pong from b \\(100\\.64\\.0\\.\\d+\\) via 192\\.0\\.2\\.2:\\d+ in [0-9.]+ms"),
                dev.warren.cli.node.StatusCommandAccess.pingLine(r));
    }

    /** The ICMP echo reply b's kernel would send to echo request {@code req} (IPv4, no options). */
    private static byte[] echoReply(byte[] req) {
        byte[] p = req.clone();
        System.arraycopy(req, 16, p, 12, 4);
        System.arraycopy(req, 12, p, 16, 4);
        p[20] = 0; // echo reply
        p[22] = 0;
        p[23] = 0;
        int sum = 0;
        for (int i = 20; i < p.length; i += 2) {
            sum += ((p[i] & 0xff) << 8) | (i + 1 < p.length ? p[i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum = ~sum & 0xffff;
        p[22] = (byte) (sum >> 8);
        p[23] = (byte) sum;
        return p;
    }
}
