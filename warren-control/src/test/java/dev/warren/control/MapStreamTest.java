package dev.warren.control;

import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MapStreamTest {
    @TempDir
    Path dir;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(dir);
        f.admin.createDomain("corp", false);
        f.admin.createDomain("other", false);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void fullMapThenDeltas() throws Exception {
        SimNode a = f.online("corp", "alpha");
        assertEquals(0, a.peers().size());
        assertEquals("alpha", a.self().name());
        SimNode b = f.online("corp", "beta");
        assertEquals(Set.of(a.id()), b.peers().keySet(), "b's full map holds a");
        a.await("b appears as a delta", x -> x.peers().containsKey(b.id()));
        assertEquals(1, a.fullMaps());
        a.await("b online", x -> Boolean.TRUE.equals(x.peers().get(b.id()).online()));
        SimNode c = f.online("other", "gamma");
        assertTrue(c.peers().isEmpty(), "domains do not see each other");
        assertFalse(a.peers().containsKey(c.id()));
        assertTrue(a.gaps().isEmpty(), a.gaps().toString());
        String metrics = f.server.metricsText();
        for (String m : List.of("warren_control_nodes 3.0", "warren_control_map_streams 3.0",
                "warren_control_registrations_total 3.0", "warren_control_change_to_send_seconds_bucket",
                "warren_control_map_messages_sent_total")) {
            assertTrue(metrics.contains(m), m + " in\n" + metrics);
        }
    }

    @Test
    void endpointChangeReachesAllPeers() throws Exception {
        List<SimNode> nodes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            nodes.add(f.online("corp", "n" + i));
        }
        SimNode mover = nodes.get(0);
        for (int i = 0; i < 20; i++) {
            mover.update(List.of("198.51.100.7:" + (1000 + i)));
        }
        for (SimNode n : nodes.subList(1, 5)) {
            n.await("last endpoint", x -> List.of("198.51.100.7:1019").equals(
                    x.peers().get(mover.id()).endpoints()));
            assertTrue(n.gaps().isEmpty(), n.gaps().toString());
            assertTrue(n.messages() < 25, "changes are merged: " + n.messages() + " messages");
        }
    }

    @Test
    void deletionReachesPeersAndEndsTheNodesStream() throws Exception {
        SimNode a = f.online("corp", "a");
        SimNode b = f.online("corp", "b");
        a.await("b", x -> x.peers().containsKey(b.id()));
        f.admin.deleteNode(b.id());
        a.await("b removed", x -> !x.peers().containsKey(b.id()));
        b.await("b told it was deleted", x -> x.lastError() != null);
        assertEquals("node_deleted", b.lastError().code());
    }

    @Test
    void approvalAddsNodeToPeers() throws Exception {
        f.admin.createDomain("strict", true);
        SimNode a = f.online("strict", "a");
        SimNode b = f.node("b");
        RegisterResponse r = b.register(f.admin.createAuthKey(AuthKeySpec.of("strict")));
        assertFalse(r.machineAuthorized());
        b.stream(false, null);
        b.await("refused", x -> x.lastError() != null);
        assertEquals(403, b.lastError().status());
        long id = f.admin.listNodes("strict").stream().filter(n -> n.name().equals("b")).findFirst().orElseThrow().id();
        f.admin.approveNode(id);
        a.await("b approved and visible", x -> x.peers().containsKey(id));
    }

    @Test
    void resumeReplaysMissedDeltas() throws Exception {
        SimNode a = f.online("corp", "a");
        SimNode b = f.online("corp", "b");
        a.await("b", x -> x.peers().containsKey(b.id()));
        // a's stream breaks; changes happen meanwhile; a resumes with its handle and last seq.
        a.disconnect();
        b.update(List.of("203.0.113.9:5555"));
        SimNode c = f.online("corp", "c");
        a.stream(true, null);
        a.await("replayed", x -> x.peers().containsKey(c.id())
                && List.of("203.0.113.9:5555").equals(x.peers().get(b.id()).endpoints()));
        assertEquals(1, a.fullMaps(), "resumed without a full map");
        assertTrue(a.gaps().isEmpty(), a.gaps().toString());
    }

    @Test
    void resumeBeyondBacklogFallsBackToFullMap() throws Exception {
        f.close();
        f = new Fixture(dir.resolve("small"), ControlOptions.defaults().withBatchInterval(Duration.ZERO)
                .withBacklogMessages(1));
        f.admin.createDomain("corp", false);
        SimNode a = f.online("corp", "a");
        SimNode b = f.online("corp", "b");
        a.await("b", x -> x.peers().containsKey(b.id()) && Boolean.TRUE.equals(x.peers().get(b.id()).online()));
        long seqBefore = a.lastSeq();
        a.disconnect();
        // make a's session send... nothing: it is detached; but with seq advanced only when sending, the backlog
        // still covers lastSeq. Force a gap by resuming from an older seq than the backlog holds.
        synchronizedSetSeq(a, Math.max(0, seqBefore - 2));
        a.stream(true, null);
        a.await("full map again", x -> x.fullMaps() == 2);
        assertTrue(a.peers().containsKey(b.id()));
    }

    private static void synchronizedSetSeq(SimNode n, long seq) throws Exception {
        var field = SimNode.class.getDeclaredField("lastSeq");
        field.setAccessible(true);
        synchronized (n) {
            field.setLong(n, seq);
        }
    }

    @Test
    void reconnectStormConvergesToServerState() throws Exception {
        int count = 12;
        List<SimNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(f.online("corp", "storm" + i));
        }
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SimNode n = nodes.get(i);
            int k = i;
            fs.add(pool.submit(() -> {
                for (int round = 0; round < 8; round++) {
                    n.stream(round % 2 == 0, List.of("10.0." + k + "." + round + ":41641"));
                    n.update(List.of("10.1." + k + "." + round + ":41641"));
                }
                return null;
            }));
        }
        for (Future<?> x : fs) {
            x.get();
        }
        pool.shutdown();
        var expected = f.admin.listNodes("corp");
        for (SimNode n : nodes) {
            n.await("view equals server state", x -> {
                var peers = x.peers();
                if (peers.size() != expected.size() - 1) {
                    return false;
                }
                for (NodeView v : expected) {
                    if (v.id() == x.self().id()) {
                        continue;
                    }
                    Node p = peers.get(v.id());
                    if (p == null || !p.endpoints().equals(currentEndpoints(v.id()))
                            || !Boolean.TRUE.equals(p.online())) {
                        return false;
                    }
                }
                return true;
            });
        }
        assertEquals(count, f.server.openStreams());
    }

    private List<String> currentEndpoints(long id) {
        return f.admin.listNodes("corp").stream().filter(v -> v.id() == id).findFirst().orElseThrow().endpoints();
    }

    @Test
    void keyExpiryOnFakeTimeRemovesNodeFromPeers() throws Exception {
        f.close();
        f = new Fixture(dir.resolve("hourly"), ControlOptions.defaults().withBatchInterval(Duration.ofMillis(5))
                .withTick(Duration.ofHours(1)));
        f.admin.createDomain("corp", false);
        SimNode a = f.online("corp", "a");
        SimNode b = f.online("corp", "b");
        a.await("b", x -> x.peers().containsKey(b.id()));
        f.admin.setKeyExpiryDisabled(a.id(), true);
        f.advance(Duration.ofDays(181));
        a.await("b expired and removed", x -> !x.peers().containsKey(b.id()));
        b.await("b told its key expired", x -> x.lastError() != null);
        assertEquals("node_key_expired", b.lastError().code());
        NodeView bv = f.admin.listNodes("corp").stream().filter(v -> v.id() == b.id()).findFirst().orElseThrow();
        assertTrue(bv.expired());
    }

    @Test
    void keepAliveOnIdleStream() throws Exception {
        SimNode a = f.online("corp", "a");
        int before = a.messages();
        f.advance(Duration.ofSeconds(51));
        a.await("keep-alive", x -> x.messages() > before);
    }

    @Test
    void ephemeralNodeRemovedAfterTimeoutOffline() throws Exception {
        SimNode a = f.online("corp", "a");
        SimNode e = f.node("eph");
        e.register(f.admin.createAuthKey(new AuthKeySpec("corp", false, true, true, List.of("tag:ci"), null, null)));
        e.stream(false, null);
        e.await("map", x -> x.self() != null);
        assertTrue(e.self().ephemeral());
        assertEquals(List.of("tag:ci"), e.self().tags());
        // online, not merely visible: a sees eph offline from its registration until the stream's change arrives
        a.await("eph online", x -> x.peers().containsKey(e.id()) && Boolean.TRUE.equals(x.peers().get(e.id()).online()));
        f.advance(Duration.ofMinutes(10));
        assertTrue(a.peers().containsKey(e.id()), "online ephemeral nodes stay");
        e.disconnect();
        a.await("eph offline", x -> Boolean.FALSE.equals(x.peers().get(e.id()).online()));
        f.advance(Duration.ofMinutes(4));
        assertTrue(a.peers().containsKey(e.id()));
        f.advance(Duration.ofMinutes(2));
        a.await("eph removed", x -> !x.peers().containsKey(e.id()));
        assertTrue(f.admin.listNodes("corp").stream().noneMatch(v -> v.name().equals("eph")));
    }

    @Test
    void malformedMessagesGet400AndServerLives() throws Exception {
        SimNode bad = f.node("bad");
        for (String junk : List.of("{", "[]", "{\"type\":\"nope\"}", "{\"type\":\"register\",\"nodeKey\":\"x\"}",
                "{\"type\":\"register\",\"version\":1}", "{\"type\":\"mapResponse\",\"seq\":1}", "\u0000\u0001")) {
            var reply = bad.requestRaw(junk.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ErrorMessage e = assertInstanceOf(ErrorMessage.class, reply, junk);
            assertEquals(400, e.status(), junk);
            assertNotNull(e.message());
        }
        SimNode ok = f.online("corp", "fine");
        assertNotNull(ok.self());
        ok.update(java.util.Collections.nCopies(65, "192.0.2.1:1"));
        ok.await("too many endpoints refused", x -> x.lastError() != null);
        assertEquals("invalid_endpoints", ok.lastError().code());
        assertTrue(ok.lastError().message().contains("'endpoints'"));
    }

    @Test
    void registrationFlows() throws Exception {
        SimNode n = f.node("Laptop.local");
        RegisterResponse r = n.register(f.key("corp"));
        assertEquals("corp", r.domain());
        assertTrue(r.machineAuthorized());
        NodeView v = f.admin.listNodes("corp").getFirst();
        assertEquals("laptop", v.name());
        // same machine logs in again with a new node key: same id and addresses
        var oldKey = n.nodeKey;
        n.nodeKey = dev.warren.wire.key.NodeKey.of(SimNode.randomKey(new java.util.Random(7)));
        n.register(f.key("corp"));
        NodeView v2 = f.admin.listNodes("corp").getFirst();
        assertEquals(v.id(), v2.id());
        assertEquals(v.addresses(), v2.addresses());
        assertEquals(n.nodeKey.toString(), v2.nodeKey());
        // rotation with oldNodeKey, no auth key
        var next = dev.warren.wire.key.NodeKey.of(SimNode.randomKey(new java.util.Random(8)));
        var rot = n.request(new RegisterRequest(CapabilityVersion.CURRENT, next, n.nodeKey, null, null, false, null,
                null));
        assertInstanceOf(RegisterResponse.class, rot);
        assertEquals(next.toString(), f.admin.listNodes("corp").getFirst().nodeKey());
        n.nodeKey = next;
        // logout
        var out = n.request(new RegisterRequest(CapabilityVersion.CURRENT, next, null, null, null, false,
                SimNode.past(), null));
        assertTrue(assertInstanceOf(RegisterResponse.class, out).nodeKeyExpired());
        assertTrue(f.admin.listNodes("corp").getFirst().expired());
        // another machine with the same hostname gets a de-duplicated name
        f.node("laptop").register(f.key("corp"));
        f.node("laptop").register(f.key("corp"));
        assertEquals(List.of("laptop", "laptop-1", "laptop-2"),
                f.admin.listNodes("corp").stream().map(NodeView::name).toList());
        assertEquals(oldKey.getClass(), next.getClass());
    }

    @Test
    void authKeyRules() throws Exception {
        String once = f.admin.createAuthKey(AuthKeySpec.of("corp"));
        SimNode a = f.node("a");
        a.register(once);
        a.register(once); // the same machine may log in again with its key
        var spent = f.node("b").request(f.node("b").registerRequest(once));
        assertEquals("auth_key_spent", assertInstanceOf(ErrorMessage.class, spent).code());
        var unknown = f.node("c").request(f.node("c").registerRequest("wkey-000000000000-nope"));
        assertEquals("auth_key_unknown", assertInstanceOf(ErrorMessage.class, unknown).code());
        String shortLived = f.admin.createAuthKey(new AuthKeySpec("corp", true, false, false, null,
                Duration.ofHours(1), null));
        f.advance(Duration.ofHours(2));
        SimNode d = f.node("d");
        var expired = assertInstanceOf(ErrorMessage.class, d.request(d.registerRequest(shortLived)));
        assertEquals("auth_key_expired", expired.code());
        assertEquals(401, expired.status());
        assertTrue(expired.message().contains("expired"));
        String reusable = f.key("corp");
        for (int i = 0; i < 3; i++) {
            f.node("r" + i).register(reusable);
        }
        assertEquals(4, f.admin.listNodes("corp").size());
    }

    @Test
    void interactiveLoginWithFollowup() throws Exception {
        SimNode n = f.node("web");
        var first = assertInstanceOf(RegisterResponse.class, n.request(n.registerRequest(null)));
        assertNotNull(first.authUrl());
        assertTrue(first.authUrl().startsWith(f.server.url() + "/register/"), first.authUrl());
        String id = first.authUrl().substring(first.authUrl().lastIndexOf('/') + 1);
        var followup = new RegisterRequest(CapabilityVersion.CURRENT, n.nodeKey, null, null,
                new Hostinfo("web", null, null), false, null, first.authUrl());
        var waiting = Executors.newVirtualThreadPerTaskExecutor().submit(() -> n.request(followup));
        Thread.sleep(50);
        assertFalse(waiting.isDone(), "the follow-up waits for the login");
        f.admin.completeInteractiveLogin(id, "corp", "alice@example.com");
        var done = assertInstanceOf(RegisterResponse.class, waiting.get());
        assertEquals("alice@example.com", done.user());
        assertTrue(done.machineAuthorized());
    }

    @Test
    void authUrlUsesThePublicUrl() throws Exception {
        f.close();
        f = new Fixture(dir.resolve("public"), ControlOptions.defaults()
                .withPublicUrl(java.net.URI.create("https://control.example.com/")));
        SimNode n = f.node("web");
        var r = assertInstanceOf(RegisterResponse.class, n.request(n.registerRequest(null)));
        assertTrue(r.authUrl().startsWith("https://control.example.com/register/"), r.authUrl());
    }

    @Test
    void mapRequestForUnknownNodeIs401() throws Exception {
        SimNode n = f.node("ghost");
        var reply = n.request(new MapRequest(CapabilityVersion.CURRENT, n.nodeKey, true, null, null, null, 0));
        assertEquals(401, assertInstanceOf(ErrorMessage.class, reply).status());
        assertEquals(Set.of(), f.admin.listNodes(null).stream().map(NodeView::name).collect(Collectors.toSet()));
    }
}
