package dev.warren.node.dataplane;

import dev.warren.magicsock.relay.RelayClientLinks;
import dev.warren.magicsock.relay.RelayLinks;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * The node's relay links: a {@link RelayClientLinks} for the node's current node key. The relay knows a client by
 * its node key, and the node's key is absent before the first login and changes on re-login and key renewal, so
 * each key gets its own set of links:
 *
 * <pre>
 * setPrivateKey(k) changed → new RelayClientLinks(k) (receiver, relay map, home re-applied: the home link dials at
 *                            once) → the old set closed; null → no links (sends dropped, ping fails)
 * send / ping / reconnect  → the current set
 * </pre>
 *
 * <p>Threads: {@link #send} from the engine's threads reads {@code current} (volatile) without locking;
 * {@code lock} guards the receiver, map, home, key and closed flag and serializes replacing {@code current}.
 */
final class NodeKeyRelayLinks implements RelayLinks {
    private final SSLContext tls;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Object lock = new Object();
    // written under lock, read anywhere
    private volatile RelayClientLinks current;
    // guarded by lock
    private Receiver receiver;
    // guarded by lock
    private RelayMap map = new RelayMap(null);
    // guarded by lock
    private int home;
    // guarded by lock
    private PrivateKey key;
    // guarded by lock
    private boolean closed;

    NodeKeyRelayLinks(SSLContext tls, Clock clock, Scheduler scheduler) {
        this.tls = tls;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /** The node key to connect with; a change replaces every link. */
    void setPrivateKey(PrivateKey k) {
        RelayClientLinks old;
        synchronized (lock) {
            if (closed || Objects.equals(k, key)) {
                return;
            }
            key = k;
            old = current;
            RelayClientLinks fresh = null;
            if (k != null) {
                fresh = new RelayClientLinks(k, tls, clock, scheduler);
                if (receiver != null) {
                    fresh.start(receiver);
                }
                fresh.setRelayMap(map);
                fresh.setHome(home);
            }
            current = fresh;
        }
        if (old != null) {
            old.close();
        }
    }

    /** The regions with an open link under the current key (status, tests). */
    java.util.List<Integer> openRegions() {
        RelayClientLinks c = current;
        return c == null ? java.util.List.of() : c.openRegions();
    }

    @Override
    public void start(Receiver r) {
        synchronized (lock) {
            receiver = Objects.requireNonNull(r, "receiver");
            if (current != null) {
                current.start(r);
            }
        }
    }

    @Override
    public void setRelayMap(RelayMap m) {
        synchronized (lock) {
            map = m == null ? new RelayMap(null) : m;
            if (current != null) {
                current.setRelayMap(map);
            }
        }
    }

    @Override
    public void setHome(int region) {
        synchronized (lock) {
            home = region;
            if (current != null) {
                current.setHome(region);
            }
        }
    }

    @Override
    public boolean send(int region, PublicKey dst, byte[] b, int off, int len) {
        RelayClientLinks c = current;
        return c != null && c.send(region, dst, b, off, len);
    }

    @Override
    public int send(int region, PublicKey dst, PacketBuffer[] bufs, int from, int count) {
        RelayClientLinks c = current;
        return c == null ? 0 : c.send(region, dst, bufs, from, count);
    }

    @Override
    public void reconnect() {
        RelayClientLinks c = current;
        if (c != null) {
            c.reconnect();
        }
    }

    @Override
    public Duration ping(int region, Duration timeout) throws IOException {
        RelayClientLinks c = current;
        if (c == null) {
            throw new IOException("relay region " + region + ": the node has no node key yet (not logged in)");
        }
        return c.ping(region, timeout);
    }

    @Override
    public void close() {
        RelayClientLinks c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = current;
            current = null;
        }
        if (c != null) {
            c.close();
        }
    }
}
