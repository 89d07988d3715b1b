package dev.warren.control.internal.protocol;

import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.store.StoreException;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.key.DiscoKey;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies one stream's update requests to the state, merged: the first update after a quiet period is applied at
 * once; updates arriving while one is applied, or within the batch interval after it, replace each other and only
 * the newest is applied. A node that floods updates therefore costs at most one store write per interval, and its
 * newest endpoints always win.
 *
 * <p>Flow: 1. the connection's reader {@link #offer}s (never waits for the store); 2. the applier virtual thread
 * takes the newest values and applies them under {@link #applyLock}; 3. sleeps the interval. {@link #finish} applies
 * what is left, under the same lock, so an older value can never be applied after a newer one.
 *
 * <p>Concurrency: {@code endpoints}, {@code hostinfo}, {@code homeRelay}, {@code discoKey}, {@code pending},
 * {@code closed} are guarded by {@link #lock};
 * {@link #applyLock} serializes take-and-apply. Lock order: applyLock, then lock.
 */
final class UpdateCoalescer {
    private static final Logger LOG = Logger.getLogger(UpdateCoalescer.class.getName());

    private final ControlState state;
    private final long nodeId;
    private final long intervalMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ReentrantLock applyLock = new ReentrantLock();
    // guarded by lock
    private List<String> endpoints;
    // guarded by lock
    private Hostinfo hostinfo;
    // guarded by lock
    private Integer homeRelay;
    // guarded by lock
    private DiscoKey discoKey;
    // guarded by lock
    private boolean pending;
    // guarded by lock
    private boolean closed;
    private final Thread applier;

    UpdateCoalescer(ControlState state, long nodeId, long intervalMillis) {
        this.state = state;
        this.nodeId = nodeId;
        this.intervalMillis = intervalMillis;
        this.applier = Thread.ofVirtual().name("control-updates-" + nodeId).start(this::run);
    }

    void offer(List<String> newEndpoints, Hostinfo newHostinfo, Integer newHomeRelay, DiscoKey newDiscoKey) {
        lock.lock();
        try {
            if (newHomeRelay != null) {
                homeRelay = newHomeRelay;
            }
            if (newDiscoKey != null) {
                discoKey = newDiscoKey;
            }
            if (newEndpoints != null) {
                endpoints = newEndpoints;
            }
            if (newHostinfo != null) {
                hostinfo = newHostinfo;
            }
            pending = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (true) {
                lock.lock();
                try {
                    while (!pending && !closed) {
                        wake.await();
                    }
                    if (closed) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                applyNewest();
                Thread.sleep(intervalMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // finish() applies what is left
        }
    }

    /** Takes and applies the newest values, if any; a store failure keeps them pending unless newer ones came. */
    private void applyNewest() {
        applyLock.lock();
        try {
            List<String> e;
            Hostinfo h;
            Integer home;
            DiscoKey dk;
            lock.lock();
            try {
                if (!pending) {
                    return;
                }
                e = endpoints;
                h = hostinfo;
                home = homeRelay;
                dk = discoKey;
                endpoints = null;
                hostinfo = null;
                homeRelay = null;
                discoKey = null;
                pending = false;
            } finally {
                lock.unlock();
            }
            try {
                state.update(nodeId, e, h, dk, home);
            } catch (StoreException ex) {
                LOG.log(Level.WARNING, "cannot store the update of node " + nodeId + ": " + ex.getMessage());
                lock.lock();
                try {
                    if (endpoints == null) {
                        endpoints = e;
                    }
                    if (hostinfo == null) {
                        hostinfo = h;
                    }
                    if (homeRelay == null) {
                        homeRelay = home;
                    }
                    if (discoKey == null) {
                        discoKey = dk;
                    }
                    pending = pending || e != null || h != null || home != null || dk != null;
                } finally {
                    lock.unlock();
                }
            }
        } finally {
            applyLock.unlock();
        }
    }

    /** Stops the applier and applies the newest pending update, on the caller's thread. */
    void finish() {
        lock.lock();
        try {
            closed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
        // No interrupt: the applier may be inside a JDBC call, and interrupting a virtual thread in socket I/O closes
        // the socket (the PostgreSQL connection). It sees `closed` after its sleep and ends.
        applyNewest();
    }
}
