package dev.warren.control;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyTracer;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access policy in the control server, end to end over simulated nodes: a new domain allows all; a policy set
 * narrows each node's peers and sends its filter as deltas to exactly the nodes it affects; invalid policies and
 * policies whose tests fail are rejected with positions and change nothing; a node registering later appears only
 * where the policy allows; version-2 nodes get the restricted peer list without a filter; the policy survives a
 * restart.
 */
class PolicyMapTest {
    static final String ALICE = "alice@example.com";
    static final String BOB = "bob@example.com";
    static final String CAROL = "carol@example.com";

    /** alice → tag:server:22; alice, bob → tag:db:PORT; tag:server → tag:db:PORT. */
    static String policy(int dbPort) {
        return """
                // the test domain's policy
                {
                  "groups": {"group:dev": ["alice@example.com", "bob@example.com"]},
                  "tagOwners": {"tag:server": ["group:dev"], "tag:db": ["group:dev"]},
                  "acls": [
                    {"action": "accept", "src": ["alice@example.com"], "dst": ["tag:server:22"]},
                    {"action": "accept", "src": ["group:dev"], "dst": ["tag:db:PORT"]},
                    {"action": "accept", "src": ["tag:server"], "dst": ["tag:db:PORT"]},
                  ],
                  "tests": [
                    {"src": "alice@example.com", "accept": ["tag:server:22", "tag:db:PORT"], "deny": ["tag:server:80"]},
                  ],
                }
                """.replace("PORT", Integer.toString(dbPort));
    }

    @TempDir
    Path dir;
    Fixture f;
    SimNode alice;
    SimNode bob;
    SimNode carol;
    SimNode server;
    SimNode db;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(dir);
        f.admin.createDomain("corp", false);
        alice = f.online("corp", "alice", ALICE, List.of());
        bob = f.online("corp", "bob", BOB, List.of());
        carol = f.online("corp", "carol", CAROL, List.of());
        server = f.online("corp", "server", ALICE, List.of("tag:server"));
        db = f.online("corp", "db", BOB, List.of("tag:db"));
        for (SimNode n : all()) {
            n.await("every other node under allow-all", x -> x.peers().size() == 4);
        }
        for (SimNode n : all()) { // the streams' online patches have arrived: nothing more is on its way
            n.await("every peer online", x -> x.peers().values().stream()
                    .allMatch(dev.warren.wire.control.Node::online));
        }
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    List<SimNode> all() {
        return List.of(alice, bob, carol, server, db);
    }

    static Set<Long> ids(SimNode... nodes) {
        return java.util.Arrays.stream(nodes).map(SimNode::id).collect(Collectors.toSet());
    }

    static IpPrefix v4(SimNode n) {
        return n.self().addresses().stream().filter(IpPrefix::isIpv4).findFirst().orElseThrow();
    }

    /** Whether {@code filter} lets {@code src} reach {@code dst} on TCP port {@code port}. */
    static boolean allows(List<FilterRule> filter, SimNode src, SimNode dst, int port) {
        IpPrefix from = v4(src);
        IpPrefix to = v4(dst);
        for (FilterRule r : filter) {
            byte[] fa = from.address();
            byte[] ta = to.address();
            boolean s = r.sources().stream().anyMatch(p -> p.contains(fa, 0, fa.length));
            boolean proto = r.effectiveProtocols().contains(FilterRule.TCP);
            boolean d = r.destinations().stream().anyMatch(pr -> pr.prefix().contains(ta, 0, ta.length)
                    && pr.containsPort(port));
            if (s && proto && d) {
                return true;
            }
        }
        return false;
    }

    void awaitPeers(SimNode n, Set<Long> expected) throws InterruptedException {
        n.await("peers " + expected, x -> x.peers().keySet().equals(expected));
    }

    @Test
    void aNewDomainAllowsAll() throws Exception {
        assertEquals(Policy.ALLOW_ALL_TEXT, f.admin.policy("corp"));
        for (SimNode n : all()) {
            assertNotNull(n.filter(), n.hostname + " got a filter in its full map");
            for (SimNode m : all()) {
                if (m != n) {
                    assertTrue(allows(n.filter(), m, n, 22), m.hostname + " may reach " + n.hostname);
                }
            }
        }
        ControlException e = assertThrows(ControlException.class, () -> f.admin.policy("nope"));
        assertEquals(404, e.status());
    }

    @Test
    void aPolicySetNarrowsPeersAndSendsFiltersToTheAffectedNodesOnly() throws Exception {
        int fullMaps = all().stream().mapToInt(SimNode::fullMaps).sum();
        PolicyUpdate u = f.admin.setPolicy("corp", "corp.hujson", policy(5432));
        assertEquals(5, u.filtersChanged(), "every filter narrowed: " + u);
        assertEquals(5, u.peersChanged(), u.toString());
        awaitPeers(alice, ids(server, db));
        awaitPeers(bob, ids(db));
        awaitPeers(carol, Set.of());
        awaitPeers(server, ids(alice, db));
        awaitPeers(db, ids(alice, bob, server));
        for (SimNode n : all()) {
            n.await("the new filter", x -> x.filters() == 2);
        }
        assertEquals(fullMaps, all().stream().mapToInt(SimNode::fullMaps).sum(), "deltas, not full maps");
        assertTrue(carol.removals().containsAll(ids(alice, bob, server, db)), "hidden peers came as peersRemoved");
        assertEquals(List.of(), carol.filter(), "carol accepts nothing");
        assertEquals(List.of(), alice.filter(), "no rule has alice as destination");
        assertTrue(allows(server.filter(), alice, server, 22));
        assertFalse(allows(server.filter(), alice, server, 80));
        assertFalse(allows(server.filter(), bob, server, 22));
        assertTrue(allows(db.filter(), alice, db, 5432));
        assertTrue(allows(db.filter(), bob, db, 5432));
        assertTrue(allows(db.filter(), server, db, 5432));
        assertFalse(allows(db.filter(), carol, db, 5432));
        assertEquals(policy(5432), f.admin.policy("corp"));

        // Changing db's port changes db's filter alone: only db hears of it.
        Map<String, Integer> before = all().stream().collect(Collectors.toMap(n -> n.hostname, SimNode::messages));
        u = f.admin.setPolicy("corp", "corp.hujson", policy(5433));
        assertEquals(1, u.filtersChanged(), u.toString());
        assertEquals(0, u.peersChanged(), u.toString());
        db.await("db's new filter", x -> x.filters() == 3);
        assertTrue(allows(db.filter(), bob, db, 5433));
        assertFalse(allows(db.filter(), bob, db, 5432));
        Thread.sleep(300); // time for a wrongly sent delta to arrive
        for (SimNode n : List.of(alice, bob, carol, server)) {
            assertEquals(before.get(n.hostname), n.messages(), n.hostname + " got nothing");
            assertEquals(2, n.filters(), n.hostname);
        }
        // Endpoint changes of a hidden node do not leak to those who may not see it.
        int carolMessages = carol.messages();
        alice.update(List.of("198.51.100.7:41641"));
        server.await("alice's new endpoint", x -> x.peers().get(alice.id()).endpoints()
                .equals(List.of("198.51.100.7:41641")));
        Thread.sleep(200);
        assertEquals(carolMessages, carol.messages(), "carol never hears of alice");
        assertTrue(carol.peers().isEmpty());
        for (SimNode n : all()) {
            assertEquals(List.of(), n.gaps(), n.hostname);
        }
    }

    @Test
    void aNodeRegisteringWithATagAppearsOnlyWhereThePolicyAllows() throws Exception {
        f.admin.setPolicy("corp", null, policy(5432));
        awaitPeers(db, ids(alice, bob, server));
        int dbFilters = db.filters();
        SimNode web = f.online("corp", "web", BOB, List.of("tag:server"));
        awaitPeers(web, ids(alice, db));
        awaitPeers(alice, ids(server, db, web));
        awaitPeers(db, ids(alice, bob, server, web));
        db.await("db's filter with web's address", x -> x.filters() == dbFilters + 1);
        assertTrue(allows(db.filter(), web, db, 5432));
        assertTrue(allows(web.filter(), alice, web, 22));
        assertFalse(allows(web.filter(), bob, web, 22));
        Thread.sleep(200);
        assertEquals(ids(db), bob.peers().keySet(), "bob never sees web");
        assertEquals(Set.of(), carol.peers().keySet(), "carol never sees web");
        // deleting it removes it where it was seen and takes its address out of db's filter
        f.admin.deleteNode(web.id());
        awaitPeers(alice, ids(server, db));
        db.await("db's filter without web", x -> !allows(x.filter(), web, db, 5432));
    }

    @Test
    void aNodeWhoseTagsChangeGetsTheNewPeersAndFilterAndIsSeenWhereAllowed() throws Exception {
        f.admin.setPolicy("corp", null, policy(5432));
        awaitPeers(carol, Set.of());
        carol.await("carol's empty filter", x -> x.filters() == 2);
        // carol logs in again with a key that tags her machine tag:server: she is now a server to the policy
        carol.registerBeside(f.admin.createAuthKey(new AuthKeySpec("corp", true, false, true, List.of("tag:server"),
                null, CAROL)));
        awaitPeers(carol, ids(alice, db));
        awaitPeers(alice, ids(server, db, carol));
        awaitPeers(db, ids(alice, bob, server, carol));
        carol.await("carol's server filter", x -> allows(x.filter(), alice, carol, 22));
        db.await("db's filter admits carol", x -> allows(x.filter(), carol, db, 5432));
        Thread.sleep(200);
        assertEquals(ids(db), bob.peers().keySet(), "bob still does not see carol");
        for (SimNode n : all()) {
            assertEquals(List.of(), n.gaps(), n.hostname);
        }
    }

    @Test
    void anInvalidPolicyIsRejectedWithPositionsAndTheOldOneStays() throws Exception {
        f.admin.setPolicy("corp", "corp.hujson", policy(5432));
        awaitPeers(carol, Set.of());
        for (SimNode n : all()) {
            n.await("the policy's filter", x -> x.filters() == 2);
        }
        awaitPeers(server, ids(alice, db));
        Map<String, Integer> before = all().stream().collect(Collectors.toMap(n -> n.hostname, SimNode::messages));
        String bad = policy(5432).replace("\"src\": [\"group:dev\"]", "\"src\": [\"group:dve\"]");
        ControlException e = assertThrows(ControlException.class,
                () -> f.admin.setPolicy("corp", "mine.hujson", bad));
        assertEquals(400, e.status());
        assertEquals("invalid_policy", e.code());
        assertFalse(e.details().isEmpty());
        ControlException.ErrorDetail d = e.details().getFirst();
        assertEquals("mine.hujson", d.file());
        assertEquals(7, d.line(), d.format()); // the acls[1] line of policy(): line 7 of the text
        assertTrue(d.column() > 1, d.format());
        assertTrue(d.format().contains("group:dve"), d.format());

        String failing = policy(5432).replace("\"deny\": [\"tag:server:80\"]", "\"deny\": [\"tag:server:22\"]");
        e = assertThrows(ControlException.class, () -> f.admin.setPolicy("corp", "mine.hujson", failing));
        assertEquals(400, e.status());
        assertEquals("policy_tests_failed", e.code());
        assertFalse(e.details().isEmpty());
        assertEquals("mine.hujson", e.details().getFirst().file());
        assertEquals(11, e.details().getFirst().line(), e.details().getFirst().format()); // the tests entry

        assertEquals(400, assertThrows(ControlException.class, () -> f.admin.setPolicy("corp", null, " ")).status());
        assertEquals(404, assertThrows(ControlException.class,
                () -> f.admin.setPolicy("nope", null, policy(1))).status());
        assertEquals(policy(5432), f.admin.policy("corp"), "the old policy stays");
        Thread.sleep(200);
        for (SimNode n : all()) {
            assertEquals(before.get(n.hostname), n.messages(), n.hostname + " heard nothing");
        }
    }

    @Test
    void aVersion2NodeGetsTheRestrictedPeersWithoutAFilter() throws Exception {
        SimNode old = f.node("old");
        old.version = 2;
        old.register(f.admin.createAuthKey(new AuthKeySpec("corp", true, false, true, List.of(), null, CAROL)));
        old.stream(false, List.of("192.0.2.9:41641"));
        old.await("its full map", x -> x.peers().size() == 5);
        assertNull(old.filter());
        f.admin.setPolicy("corp", null, policy(5432));
        awaitPeers(old, Set.of());
        awaitPeers(alice, ids(server, db));
        f.admin.setPolicy("corp", null, Policy.ALLOW_ALL_TEXT);
        awaitPeers(old, ids(alice, bob, carol, server, db));
        assertEquals(0, old.filters(), "a version-2 node never gets a packet filter");
        assertEquals(List.of(), old.gaps());
    }

    @Test
    void traceSaysWhichRuleAllowsOrThatNothingDoes() throws Exception {
        f.admin.setPolicy("corp", null, policy(5432));
        PolicyTracer.Trace t = f.admin.tracePolicy("corp", ALICE, "server", 22, "tcp");
        assertTrue(t.allowed(), t.toString());
        assertEquals("acls[0]", t.decidingRule());
        t = f.admin.tracePolicy("corp", "carol", "server", 22, null);
        assertFalse(t.allowed(), t.toString());
        ControlException e = assertThrows(ControlException.class,
                () -> f.admin.tracePolicy("corp", "nobody", "server", 22, null));
        assertEquals(400, e.status());
        assertEquals(400, assertThrows(ControlException.class,
                () -> f.admin.tracePolicy("corp", ALICE, "server", 70000, null)).status());
    }

    @Test
    void aStoredPolicyThatNoLongerParsesDeniesAllUntilAValidOneIsSet() throws Exception {
        f.close();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("control.db"));
             java.sql.Statement st = c.createStatement()) {
            st.execute("UPDATE policies SET text = '{\"acls\": [{\"action\": \"maybe\"}]}'");
        }
        f = new Fixture(dir);
        assertTrue(f.admin.policy("corp").contains("could not be parsed"), f.admin.policy("corp"));
        SimNode late = f.online("corp", "late", ALICE, List.of());
        assertEquals(Set.of(), late.peers().keySet(), "deny-all: nobody is visible");
        assertEquals(List.of(), late.filter());
        f.admin.setPolicy("corp", null, Policy.ALLOW_ALL_TEXT);
        late.await("every node again", x -> x.peers().size() == 5);
    }

    @Test
    void thePolicySurvivesARestart() throws Exception {
        f.admin.setPolicy("corp", null, policy(5432));
        awaitPeers(carol, Set.of());
        f.close();
        f = new Fixture(dir);
        assertEquals(policy(5432), f.admin.policy("corp"));
        SimNode again = f.online("corp", "alice2", ALICE, List.of());
        again.await("alice's restricted full map", x -> x.peers().keySet().equals(Set.of(server.id(), db.id())));
        assertEquals(List.of(), again.filter());
    }
}
