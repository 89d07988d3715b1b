package dev.warren.magicsock.relay;

import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RelayLinks} over warren-relay's {@link RelayClient}: one client per region, connected to the region's first
 * node, opened on demand. The home region's client is kept forever and told it is preferred; other regions' clients
 * are closed after {@link #IDLE_NANOS} without a send (checked every {@link #SWEEP_NANOS}), as Tailscale does
 * (FIELD §2.6). A relay map change closes clients whose region vanished or whose first node changed.
 *
 * <p>Packets sent to a region whose client is still connecting wait in a small per-link queue ({@link
 * #PENDING_MAX} packets, overflow dropped) and go out when the client reports it is connected, so the first
 * packets to a peer in another region are not lost to the dial (WireGuard would otherwise retry its handshake only
 * after 5 s). {@link #ping} waits for the connection up to its timeout.
 *
 * <p>Threads: {@link #send} from engine threads; clients call the receiver on their reader threads; the idle sweep
 * runs on the scheduler. The link table is guarded by {@code lock}; each link's last-use time is volatile.
 */
public final class RelayClientLinks implements RelayLinks {
    public static final long IDLE_NANOS = 60_000_000_000L;
    public static final long SWEEP_NANOS = 15_000_000_000L;
    public static final int PENDING_MAX = 32;

    private final PrivateKey nodePrivateKey;
    private final SSLContext tls;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Object lock = new Object();
    // guarded by lock
    private final Map<Integer, Link> links = new HashMap<>();
    // guarded by lock
    private RelayMap map = new RelayMap(null);
    // guarded by lock
    private int home;
    // guarded by lock
    private boolean closed;
    // guarded by lock
    private Scheduler.Task sweep;
    // guarded by lock: relay clients started (dials), for tests and status
    private long dials;
    private volatile Receiver receiver;

    /**
     * @param nodePrivateKey our node key's private half (the relay knows us by its public half)
     * @param tls            TLS context for TLS relays, null for the JDK default trust store
     */
    public RelayClientLinks(PrivateKey nodePrivateKey, SSLContext tls, Clock clock, Scheduler scheduler) {
        this.nodePrivateKey = Objects.requireNonNull(nodePrivateKey, "nodePrivateKey");
        this.tls = tls;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    private record Pending(PublicKey dst, byte[] bytes) {
    }

    /** One region's client. */
    private final class Link implements RelayClient.Listener {
        final int region;
        final RelayMap.RelayNode node;
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        volatile long lastUsed;
        // set once, under this link's monitor, right after start (connected() synchronizes on it to see it)
        volatile RelayClient client;
        // guarded by this link: packets waiting for the first connection, null once connected
        private List<Pending> pending = new ArrayList<>();

        Link(int region, RelayMap.RelayNode node) {
            this.region = region;
            this.node = node;
            this.lastUsed = clock.nanoTime();
        }

        @Override
        public void packet(PublicKey src, byte[] b, int off, int len) {
            Receiver r = receiver;
            if (r != null) {
                r.packet(region, src, b, off, len);
            }
        }

        @Override
        public void packetsEnd() {
            Receiver r = receiver;
            if (r != null) {
                r.packetsEnd(region);
            }
        }

        @Override
        public void peerGone(PublicKey peer, int reason) {
            Receiver r = receiver;
            if (r != null) {
                r.peerGone(region, peer);
            }
        }

        /** Sends now, or queues until the first connection. */
        boolean send(PublicKey dst, byte[] b, int off, int len) {
            synchronized (this) {
                if (pending != null) {
                    if (pending.size() >= PENDING_MAX) {
                        return false;
                    }
                    pending.add(new Pending(dst, java.util.Arrays.copyOfRange(b, off, off + len)));
                    return true;
                }
            }
            return client.send(dst, b, off, len);
        }

        /** Sends a batch now, or queues copies until the first connection; returns how many were taken. */
        int send(PublicKey dst, PacketBuffer[] bufs, int from, int count) {
            synchronized (this) {
                if (pending != null) {
                    int taken = 0;
                    for (int i = from; i < from + count && pending.size() < PENDING_MAX; i++) {
                        pending.add(new Pending(dst, bufs[i].toByteArray()));
                        taken++;
                    }
                    return taken;
                }
            }
            return client.send(dst, bufs, from, count);
        }

        @Override
        public void connected() {
            List<Pending> flush;
            RelayClient c;
            synchronized (this) {
                flush = pending;
                pending = null;
                c = client;
            }
            if (flush != null) {
                for (Pending p : flush) {
                    c.send(p.dst(), p.bytes(), 0, p.bytes().length);
                }
            }
            connected.complete(null);
        }
    }

    @Override
    public void start(Receiver r) {
        this.receiver = r;
        synchronized (lock) {
            if (sweep == null && !closed) {
                sweep = scheduler.schedule(this::sweep, SWEEP_NANOS);
            }
        }
    }

    @Override
    public void setRelayMap(RelayMap m) {
        List<RelayClient> stale = new ArrayList<>();
        synchronized (lock) {
            map = m;
            links.values().removeIf(l -> {
                RelayMap.RelayRegion r = m.region(l.region);
                boolean keep = r != null && !r.nodes().isEmpty() && r.nodes().getFirst().equals(l.node);
                if (!keep) {
                    stale.add(l.client);
                }
                return !keep;
            });
            if (home != 0) {
                linkLocked(home);
            }
        }
        stale.forEach(RelayClient::close);
    }

    @Override
    public void setHome(int region) {
        synchronized (lock) {
            Link old = links.get(home);
            if (old != null && home != region) {
                old.client.notePreferred(false);
            }
            home = region;
            Link l = region == 0 ? null : linkLocked(region);
            if (l != null) {
                l.client.notePreferred(true);
            }
        }
    }

    /** The link of {@code region}, opened if needed; null when the region is unknown or has no node. */
    private Link linkLocked(int region) {
        if (closed) {
            return null;
        }
        Link l = links.get(region);
        if (l != null) {
            return l;
        }
        RelayMap.RelayRegion r = map.region(region);
        if (r == null || r.nodes().isEmpty()) {
            return null;
        }
        l = new Link(region, r.nodes().getFirst());
        synchronized (l) {
            l.client = RelayClient.start(new RelayClientConfig(l.node, nodePrivateKey, null, tls, clock, scheduler), l);
        }
        dials++;
        links.put(region, l);
        return l;
    }

    @Override
    public boolean send(int region, PublicKey dst, byte[] b, int off, int len) {
        Link l;
        synchronized (lock) {
            l = linkLocked(region);
        }
        if (l == null) {
            return false;
        }
        l.lastUsed = clock.nanoTime();
        return l.send(dst, b, off, len);
    }

    @Override
    public int send(int region, PublicKey dst, PacketBuffer[] bufs, int from, int count) {
        Link l;
        synchronized (lock) {
            l = linkLocked(region);
        }
        if (l == null) {
            return 0;
        }
        l.lastUsed = clock.nanoTime();
        return l.send(dst, bufs, from, count);
    }

    @Override
    public void reconnect() {
        List<RelayClient> old = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            List<Integer> regions = new ArrayList<>(links.keySet());
            links.values().forEach(l -> old.add(l.client));
            links.clear();
            if (home != 0) {
                regions.remove(Integer.valueOf(home));
                Link l = linkLocked(home);
                if (l != null) {
                    l.client.notePreferred(true);
                }
            }
            for (int r : regions) {
                linkLocked(r);
            }
        }
        old.forEach(RelayClient::close);
    }

    @Override
    public Duration ping(int region, Duration timeout) throws IOException {
        Link l;
        synchronized (lock) {
            l = linkLocked(region);
        }
        if (l == null) {
            throw new IOException("relay region " + region + " is not in the relay map");
        }
        long t0 = clock.nanoTime();
        try {
            l.connected.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("relay region " + region + ": not connected within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IOException("relay region " + region + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        Duration left = timeout.minusNanos(clock.nanoTime() - t0);
        return l.client.ping(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left);
    }

    /** Closes non-home links idle for a minute, then re-arms. */
    private void sweep() {
        List<RelayClient> idle = new ArrayList<>();
        long now = clock.nanoTime();
        synchronized (lock) {
            if (closed) {
                return;
            }
            links.values().removeIf(l -> {
                boolean drop = l.region != home && now - l.lastUsed > IDLE_NANOS;
                if (drop) {
                    idle.add(l.client);
                }
                return drop;
            });
            sweep = scheduler.schedule(this::sweep, SWEEP_NANOS);
        }
        idle.forEach(RelayClient::close);
    }

    /** How many relay connections were started so far (tests, status). */
    public long dials() {
        synchronized (lock) {
            return dials;
        }
    }

    /** Regions with an open link (tests, status). */
    public List<Integer> openRegions() {
        synchronized (lock) {
            return List.copyOf(links.keySet());
        }
    }

    @Override
    public void close() {
        List<RelayClient> all = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (sweep != null) {
                sweep.cancel();
            }
            links.values().forEach(l -> all.add(l.client));
            links.clear();
        }
        all.forEach(RelayClient::close);
    }
}
