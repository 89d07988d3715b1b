package dev.warren.control.internal.state;

import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlOptions;
import dev.warren.control.internal.store.Databases;
import dev.warren.control.internal.store.Rows;
import dev.warren.control.internal.store.Store;
import dev.warren.control.internal.store.StoreException;
import dev.warren.testing.FakeClock;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes go to the store first: when the store fails, the snapshot and the change stream stay as they were. */
class StoreFirstTest {
    @TempDir
    Path dir;

    /** Delegates to a real store; fails every write while {@code failing}. */
    static final class FlakyStore implements Store {
        final Store inner;
        volatile boolean failing;

        FlakyStore(Store inner) {
            this.inner = inner;
        }

        void check() {
            if (failing) {
                throw new StoreException("injected failure", null);
            }
        }

        @Override
        public Rows.Contents load() {
            return inner.load();
        }

        @Override
        public void insertDomain(Rows.DomainRow d, Rows.PolicyRow policy) {
            check();
            inner.insertDomain(d, policy);
        }

        @Override
        public void savePolicy(Rows.PolicyRow p) {
            check();
            inner.savePolicy(p);
        }

        @Override
        public void insertUser(Rows.UserRow u) {
            check();
            inner.insertUser(u);
        }

        @Override
        public void insertAuthKey(Rows.AuthKeyRow k) {
            check();
            inner.insertAuthKey(k);
        }

        @Override
        public void markAuthKeyUsed(long id, Instant usedAt) {
            check();
            inner.markAuthKeyUsed(id, usedAt);
        }

        @Override
        public void insertNode(Rows.NodeRow n) {
            check();
            inner.insertNode(n);
        }

        @Override
        public void updateNode(Rows.NodeRow n) {
            check();
            inner.updateNode(n);
        }

        @Override
        public void deleteNode(long id) {
            check();
            inner.deleteNode(id);
        }

        @Override
        public void saveRegistration(Rows.NodeRow n, boolean isNew, Long usedKeyId, Instant usedAt) {
            check();
            inner.saveRegistration(n, isNew, usedKeyId, usedAt);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    static PublicKey key(int seed) {
        byte[] b = new byte[32];
        b[0] = (byte) seed;
        b[1] = 7;
        return PublicKey.of(b);
    }

    @Test
    void failedWritesChangeNothingAndPublishNothing() {
        try (FlakyStore store = new FlakyStore(Databases.open(Databases.resolve(null, dir)))) {
            ControlState state = new ControlState(store, new FakeClock(), ControlOptions.defaults());
            List<Change> published = new ArrayList<>();
            state.setSink((s, c) -> published.addAll(c));
            state.createDomain("corp", false);
            String key = state.createAuthKey(new AuthKeySpec("corp", true, false, false, null, null, null));
            RegisterRequest req = new RegisterRequest(CapabilityVersion.CURRENT, NodeKey.of(key(1)), null, key,
                    new Hostinfo("a", null, null), false, null, null);
            long nodeId = state.registerWithKey(MachineKey.of(key(2)), req).node().id();
            int changes = published.size();

            store.failing = true;
            Snapshot before = state.snapshot();
            assertThrows(StoreException.class, () -> state.createDomain("other", false));
            assertThrows(StoreException.class, () -> state.rename(nodeId, "b"));
            assertThrows(StoreException.class, () -> state.delete(nodeId));
            assertThrows(StoreException.class, () -> state.update(nodeId, List.of("192.0.2.1:1"), null));
            assertThrows(StoreException.class, () -> state.registerWithKey(MachineKey.of(key(3)),
                    new RegisterRequest(CapabilityVersion.CURRENT, NodeKey.of(key(4)), null, key, null, false, null,
                            null)));
            assertSame(before, state.snapshot(), "the snapshot did not move");
            assertEquals(changes, published.size(), "nothing was published");

            store.failing = false;
            state.rename(nodeId, "b");
            assertEquals("b", state.snapshot().nodes().get(nodeId).row().name());
            assertTrue(published.size() > changes);
            assertEquals(List.of("b"), new ControlState(store, new FakeClock(), ControlOptions.defaults())
                    .snapshot().nodes().values().stream().map(e -> e.row().name()).toList(), "stored");
        }
    }
}
