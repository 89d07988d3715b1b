package dev.warren.node;

import dev.warren.channel.InMemoryConnections;
import dev.warren.crypto.X25519;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A fake control server and any number of NodeBackends on ChannelTun/ChannelBind, on fake time. */
final class Mesh implements AutoCloseable {
    static final URI SERVER = URI.create("https://control.test");

    final FakeControl control = new FakeControl();
    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final ChannelNetwork net = new ChannelNetwork();
    final java.util.concurrent.atomic.AtomicInteger dials = new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean unreachable;
    volatile PublicKey serverKey = X25519.publicKey(X25519.generatePrivateKey());
    final List<TestNode> nodes = new ArrayList<>();
    private final Path dir;
    private int next = 1;

    /** One node: its fakes and its backend. */
    static final class TestNode {
        final String name;
        final Path stateDir;
        volatile ChannelTun tun;
        final ChannelBind bind;
        final byte[] underlay;
        volatile byte[] reported;
        final List<List<String>> addressCalls = new CopyOnWriteArrayList<>();
        NodeBackend backend;
        /** The data plane's seams for the next {@link Mesh#start}; null = the built-in ones. */
        volatile PathProvider paths;
        volatile EndpointSource endpointSource;

        TestNode(String name, Path stateDir, ChannelTun tun, ChannelBind bind, byte[] underlay) {
            this.name = name;
            this.stateDir = stateDir;
            this.tun = tun;
            this.bind = bind;
            this.underlay = underlay;
        }

        String v4() {
            return backend.status().selfAddresses().stream().filter(a -> a.indexOf(':') < 0).findFirst().orElseThrow();
        }

        String v6() {
            return backend.status().selfAddresses().stream().filter(a -> a.indexOf(':') >= 0).findFirst().orElseThrow();
        }
    }

    Mesh(Path dir) {
        this.dir = dir;
    }

    ControlDialerFactory dialers() {
        return (uri, key, machine) -> {
            var inMemory = InMemoryConnections.dialer(X25519.publicKey(machine), key, control);
            return () -> {
                dials.incrementAndGet();
                if (unreachable) {
                    throw new java.net.ConnectException("connection refused");
                }
                return inMemory.connect();
            };
        };
    }

    ServerKeyFetcher keys() {
        return uri -> serverKey;
    }

    TestNode node(String name) throws IOException {
        int i = next++;
        byte[] underlay = IpAddresses.parse("192.0.2." + i);
        TestNode n = new TestNode(name, dir.resolve(name), new ChannelTun(name), net.bind(underlay), underlay);
        start(n);
        nodes.add(n);
        return n;
    }

    /** (Re)creates the node's backend on a fresh tun and bind over the same state dir. */
    void start(TestNode n) throws IOException {
        if (n.backend != null) {
            n.tun = new ChannelTun(n.name);
        }
        n.backend = new NodeBackend(n.stateDir, 0, n.tun, n.bind, dialers(), keys(), clock, scheduler,
                (before, after) -> n.addressCalls.add(after.stream().map(Object::toString).toList()),
                () -> List.of(addr(n.reported != null ? n.reported : n.underlay)), n.paths, n.endpointSource);
    }

    /** A node whose backend uses {@code paths} and {@code endpoints} (null = built in), logged in. */
    TestNode up(String name, PathProvider paths, EndpointSource endpoints) throws IOException {
        int i = next++;
        byte[] underlay = IpAddresses.parse("192.0.2." + i);
        TestNode n = new TestNode(name, dir.resolve(name), new ChannelTun(name), net.bind(underlay), underlay);
        n.paths = paths;
        n.endpointSource = endpoints;
        start(n);
        nodes.add(n);
        n.backend.up(SERVER, FakeControl.GOOD_KEY, name);
        return n;
    }

    TestNode up(String name) throws IOException {
        TestNode n = node(name);
        n.backend.up(SERVER, FakeControl.GOOD_KEY, name);
        return n;
    }

    private static InetAddress addr(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        await(what, Duration.ofSeconds(10), cond);
    }

    static void await(String what, Duration limit, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    @Override
    public void close() {
        for (TestNode n : nodes) {
            if (n.backend != null) {
                n.backend.close();
            }
        }
    }
}
