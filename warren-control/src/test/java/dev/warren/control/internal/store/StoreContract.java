package dev.warren.control.internal.store;

import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Contents;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.control.internal.store.Rows.PolicyRow;
import dev.warren.control.internal.store.Rows.UserRow;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The contract every {@link Store} meets; subclasses open a fresh, empty, migrated store per test. */
abstract class StoreContract {
    Store store;
    static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);
    static final String POLICY = "// allow all\n{\"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},],}\n";

    abstract Store open() throws Exception;

    /** Re-opens the same database (restart). */
    abstract Store reopen() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = open();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static PublicKey key(int seed) {
        byte[] b = new byte[32];
        b[0] = (byte) seed;
        b[31] = (byte) (seed >> 8);
        return PublicKey.of(b);
    }

    static NodeRow node(long id, long domain, long user, int seed, String name, long index) {
        return new NodeRow(id, domain, user, MachineKey.of(key(seed)), NodeKey.of(key(seed + 1000)), name, index,
                new Hostinfo(name, "linux", "1"), List.of("192.0.2.1:1"), List.of("tag:x"), T0, null,
                T0.plusSeconds(3600), false, true, false, 1L);
    }

    void seed() {
        store.insertDomain(new DomainRow(1, "corp", true, T0), new PolicyRow(1, POLICY, T0));
        store.insertUser(new UserRow(1, 1, "admin@corp", T0));
        store.insertAuthKey(new AuthKeyRow(1, 1, 1, "a".repeat(64), "wkey-1234", true, false, true,
                List.of("tag:x"), T0, T0.plusSeconds(60), null));
    }

    @Test
    void emptyStoreHasCountersAtOne() {
        Contents c = store.load();
        assertEquals(List.of(), c.domains());
        assertEquals(new Rows.Counters(1, 1, 1, 1, 1), c.counters());
    }

    @Test
    void roundTripsEveryRowAndAdvancesCounters() throws Exception {
        seed();
        store.markAuthKeyUsed(1, T0.plusSeconds(1));
        NodeRow n = node(7, 1, 1, 1, "laptop", 42);
        store.insertNode(n);
        Contents c = store.load();
        assertEquals(List.of(new DomainRow(1, "corp", true, T0)), c.domains());
        assertEquals(List.of(new UserRow(1, 1, "admin@corp", T0)), c.users());
        assertEquals(T0.plusSeconds(1), c.authKeys().getFirst().usedAt());
        assertEquals(List.of("tag:x"), c.authKeys().getFirst().tags());
        assertEquals(List.of(n), c.nodes());
        assertEquals(new Rows.Counters(2, 2, 2, 8, 43), c.counters());
        store.close();
        store = reopen();
        assertEquals(List.of(n), store.load().nodes(), "survives a restart");
    }

    @Test
    void updateAndDeleteNode() {
        seed();
        NodeRow n = node(1, 1, 1, 1, "a", 1);
        store.insertNode(n);
        NodeRow changed = n.toBuilder().name("b").endpoints(List.of("[2001:db8::1]:41641")).lastSeen(T0)
                .keyExpiryDisabled(true).authorized(false).hostinfo(null).authKeyId(null)
                .nodeKey(NodeKey.of(key(99))).build();
        store.updateNode(changed);
        assertEquals(List.of(changed), store.load().nodes());
        store.deleteNode(1);
        assertEquals(List.of(), store.load().nodes());
        assertThrows(StoreException.class, () -> store.deleteNode(1));
        assertThrows(StoreException.class, () -> store.updateNode(changed));
        assertEquals(2, store.load().counters().nodeId(), "ids are never reused");
    }

    @Test
    void uniqueConstraintsRejectAndChangeNothing() {
        seed();
        assertThrows(StoreException.class, () -> store.insertDomain(new DomainRow(2, "corp", false, T0),
                new PolicyRow(2, POLICY, T0)));
        store.insertNode(node(1, 1, 1, 1, "a", 1));
        assertThrows(StoreException.class, () -> store.insertNode(node(2, 1, 1, 2, "a", 2)), "name per domain");
        assertThrows(StoreException.class, () -> store.insertNode(node(3, 1, 1, 3, "c", 1)), "address index");
        assertThrows(StoreException.class, () -> store.insertNode(node(4, 1, 1, 1, "d", 4)), "machine per domain");
        Contents c = store.load();
        assertEquals(1, c.nodes().size());
        assertEquals(1, c.domains().size());
        assertEquals(2, c.counters().nodeId());
    }

    @Test
    void registrationIsOneTransaction() {
        seed();
        store.saveRegistration(node(1, 1, 1, 1, "a", 1), true, 1L, T0);
        Contents c = store.load();
        assertEquals(1, c.nodes().size());
        assertEquals(T0, c.authKeys().getFirst().usedAt());
        // a failing second half rolls back the first: an unknown auth key
        assertThrows(StoreException.class, () -> store.saveRegistration(node(2, 1, 1, 2, "b", 2), true, 99L, T0));
        assertEquals(1, store.load().nodes().size(), "the node insert was rolled back");
        NodeRow renamed = node(1, 1, 1, 1, "a2", 1);
        store.saveRegistration(renamed, false, null, null);
        assertEquals("a2", store.load().nodes().getFirst().name());
    }

    @Test
    void nullableColumns() {
        seed();
        NodeRow n = new NodeRow(1, 1, 1, MachineKey.of(key(1)), NodeKey.of(key(2)), "x", 1, null, List.of(),
                List.of(), T0, null, T0, false, false, true, null);
        store.insertNode(n);
        NodeRow back = store.load().nodes().getFirst();
        assertNull(back.hostinfo());
        assertNull(back.authKeyId());
        assertEquals(n, back);
    }

    @Test
    void policiesRoundTripAndAreReplacedInPlace() throws Exception {
        seed();
        assertEquals(List.of(new PolicyRow(1, POLICY, T0)), store.load().policies());
        String text = "{\n  // ünïcode and 'quotes' survive\n  \"acls\": [],\n}\n";
        store.savePolicy(new PolicyRow(1, text, T0.plusSeconds(5)));
        assertEquals(List.of(new PolicyRow(1, text, T0.plusSeconds(5))), store.load().policies());
        store.close();
        store = reopen();
        assertEquals(List.of(new PolicyRow(1, text, T0.plusSeconds(5))), store.load().policies(),
                "survives a restart");
    }

    @Test
    void aPolicyNeedsItsDomain() {
        assertThrows(StoreException.class, () -> store.savePolicy(new PolicyRow(9, POLICY, T0)));
        assertThrows(StoreException.class, () -> store.insertDomain(new DomainRow(1, "corp", true, T0),
                new PolicyRow(2, POLICY, T0)));
        assertEquals(List.of(), store.load().policies());
        assertEquals(List.of(), store.load().domains(), "the domain insert was rolled back with its policy");
    }
}
