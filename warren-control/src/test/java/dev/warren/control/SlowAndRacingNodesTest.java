package dev.warren.control;

import dev.warren.channel.ControlConnection;
import dev.warren.channel.InMemoryConnections;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlowAndRacingNodesTest {
    @TempDir
    Path dir;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(dir);
        f.admin.createDomain("corp", false);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    /** A server-side connection whose sends block until released: a node that stopped reading. */
    static final class StalledConnection implements ControlConnection {
        final ControlConnection inner;
        final CountDownLatch release = new CountDownLatch(1);
        volatile int sendsBeforeStall;

        StalledConnection(ControlConnection inner, int sendsBeforeStall) {
            this.inner = inner;
            this.sendsBeforeStall = sendsBeforeStall;
        }

        @Override
        public PublicKey remoteKey() {
            return inner.remoteKey();
        }

        @Override
        public void send(byte[] message) throws IOException {
            if (sendsBeforeStall-- <= 0) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            inner.send(message);
        }

        @Override
        public byte[] receive() throws IOException {
            return inner.receive();
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() {
            release.countDown();
            inner.close();
        }
    }

    @Test
    void aStalledNodeBlocksNobodyAndCatchesUpWithMergedChanges() throws Exception {
        SimNode slow = f.node("slow");
        slow.register(f.key("corp"));
        var pair = InMemoryConnections.pair(slow.machine, f.server.publicKey());
        // the full map goes out, then the node stops reading
        StalledConnection stalled = new StalledConnection(pair.server(), 1);
        Thread handler = Thread.ofVirtual().start(() -> {
            try {
                f.server.connectionHandler().handle(stalled);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        pair.client().send(ControlJson.encode(new MapRequest(CapabilityVersion.CURRENT, slow.nodeKey, true, null,
                null, null, 0)));
        Map<Long, Node> view = new HashMap<>();
        apply(view, pair.client().receive());

        List<SimNode> others = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            others.add(f.online("corp", "fast" + i));
        }
        for (int round = 0; round < 30; round++) {
            for (SimNode o : others) {
                o.update(List.of("192.0.2." + round + ":41641"));
            }
        }
        for (SimNode o : others) {
            for (SimNode p : others) {
                if (p != o) {
                    o.await("fast peers see the last endpoints", x -> List.of("192.0.2.29:41641")
                            .equals(x.peers().get(p.id()).endpoints()));
                }
            }
        }
        stalled.release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int messages = 0;
        while (!converged(view, others) && System.nanoTime() < deadline) {
            apply(view, pair.client().receive());
            messages++;
        }
        assertTrue(converged(view, others), "the slow node caught up: " + view.keySet());
        assertTrue(messages < 20, "caught up in a few merged messages, not 120+: " + messages);
        pair.client().close();
        handler.join(5000);
    }

    private static boolean converged(Map<Long, Node> view, List<SimNode> others) {
        for (SimNode o : others) {
            Node n = view.get(o.id());
            if (n == null || !List.of("192.0.2.29:41641").equals(n.endpoints())) {
                return false;
            }
        }
        return true;
    }

    private static void apply(Map<Long, Node> view, byte[] bytes) throws MalformedMessageException {
        ControlMessage m = ControlJson.decode(bytes);
        if (!(m instanceof MapResponse r) || r.keepAlive()) {
            return;
        }
        if (r.isFull()) {
            view.clear();
            r.peers().forEach(p -> view.put(p.id(), p));
            return;
        }
        if (r.peersRemoved() != null) {
            r.peersRemoved().forEach(view::remove);
        }
        if (r.peersChanged() != null) {
            r.peersChanged().forEach(p -> view.put(p.id(), p));
        }
        if (r.peersChangedPatch() != null) {
            r.peersChangedPatch().forEach(p -> {
                Node n = view.get(p.nodeId());
                if (p.endpoints() != null && n != null) {
                    view.put(n.id(), new Node(n.id(), n.name(), n.user(), n.key(), n.keyExpiry(), n.machine(),
                            n.addresses(), n.allowedIps(), p.endpoints(), n.hostinfo(), n.created(), n.lastSeen(),
                            n.online(), n.machineAuthorized(), n.expired(), n.ephemeral(), n.tags(), n.discoKey(),
                            n.homeRelay()));
                }
            });
        }
    }

    @Test
    void reconnectStormWithConcurrentAdminChangesConverges() throws Exception {
        int count = 10;
        List<SimNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(f.online("corp", "r" + i));
        }
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SimNode n = nodes.get(i);
            int k = i;
            fs.add(pool.submit(() -> {
                Random r = new Random(k);
                for (int round = 0; round < 10; round++) {
                    n.stream(r.nextBoolean(), List.of("10.9." + k + "." + round + ":1"));
                    if (r.nextBoolean()) {
                        n.update(List.of("10.8." + k + "." + round + ":1"));
                    }
                }
                return null;
            }));
        }
        fs.add(pool.submit(() -> {
            for (int round = 0; round < 10; round++) {
                SimNode victim = nodes.get(round % count);
                f.admin.renameNode(victim.id(), "renamed-" + round);
            }
            f.admin.deleteNode(nodes.get(count - 1).id());
            return null;
        }));
        for (Future<?> x : fs) {
            x.get();
        }
        pool.shutdown();
        String[] why = {""};
        for (SimNode n : nodes.subList(0, count - 1)) {
            try {
            n.await("view equals the server's", x -> {
                List<NodeView> truth = f.admin.listNodes("corp"); // updates are asynchronous: compare with now
                Map<Long, Node> peers = x.peers();
                if (peers.size() != truth.size() - 1) {
                    return false;
                }
                for (NodeView v : truth) {
                    if (v.id() == x.self().id()) {
                        continue;
                    }
                    Node p = peers.get(v.id());
                    if (p == null || !p.name().equals(v.name()) || !p.endpoints().equals(v.endpoints())) {
                        why[0] = "peer " + v.id() + " seen as " + (p == null ? null : p.name() + " " + p.endpoints())
                                + " but is " + v.name() + " " + v.endpoints();
                        return false;
                    }
                }
                return true;
            });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; " + why[0], e);
            }
        }
        assertEquals(count - 1, f.admin.listNodes("corp").size());
    }

    @Test
    void anotherNodesSessionHandleGivesAFullMap() throws Exception {
        SimNode a = f.online("corp", "a");
        SimNode b = f.online("corp", "b");
        var handleField = SimNode.class.getDeclaredField("session");
        handleField.setAccessible(true);
        String aHandle;
        synchronized (a) {
            aHandle = (String) handleField.get(a);
        }
        synchronized (b) {
            handleField.set(b, aHandle);
        }
        b.stream(true, null);
        b.await("a new full map", x -> x.fullMaps() == 2);
        a.await("a still streams", x -> x.peers().containsKey(b.id()));
    }
}
