package dev.warren.magicsock.relay;

import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.wire.control.RelayMap;
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
 * {@link RelayLinks} over warren-relay's {@link RelayClient}: one client per region, opened on demand.
 *
 * <pre>
 * send/ping(region)  → the region's link (opened if absent: the region's first node, TLS as the map says, our
 *                      node key) → RelayClient.send / ping; the link's last-use time is noted
 * setHome(region)    → the old home's link notePreferred(false); the new home's link opened and notePreferred(true)
 * idle sweep (15 s)  → links other than home unused (no send, no receive) for {@link #IDLE} are closed
 * setRelayMap        → links whose region disappeared or whose first node changed are closed
 * setPrivateKey      → a new node key: every link is closed (the relay knows us by the key); home is reopened
 * </pre>
 * Incoming packets go to the {@link RelayLinks.Receiver} with their region; PeerGone frames to
 * {@link RelayLinks.Receiver#peerGone}.
 *
 * <p>Threads: {@link #send} from the engine's threads, concurrently; the RelayClients' reader threads call the
 * receiver; the idle sweep runs on the injected scheduler. {@code lock} guards the link table, the map, the home
 * region, the key and the closed flag; it is never held while a RelayClient sends, pings or closes a socket
 * (RelayClient.start and close do not block on the network).
 */
public final class RelayClientLinks implements RelayLinks {
    private static final System.Logger LOG = System.getLogger(RelayClientLinks.class.getName());
    /** A non-home link unused this long is closed. */
    public static final Duration IDLE = Duration.ofSeconds(60);
    static final Duration SWEEP = Duration.ofSeconds(15);

    /** How a link's client is made; tests count or fail dials through it. */
    @FunctionalInterface
    public interface ClientFactory {
        RelayClient start(RelayClientConfig cfg, RelayClient.Listener listener);
    }

    /** One region's client and its use. */
    private final class Link implements RelayClient.Listener {
        final int region;
        final RelayMap.RelayNode node;
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        volatile RelayClient client;
        volatile long lastUsed;

        Link(int region, RelayMap.RelayNode node) {
            this.region = region;
            this.node = node;
            this.lastUsed = clock.nanoTime();
        }

        @Override
        public void packet(PublicKey src, byte[] b, int off, int len) {
            lastUsed = clock.nanoTime();
            RelayLinks.Receiver r = receiver;
            if (r != null) {
                r.packet(region, src, b, off, len);
            }
        }

        @Override
        public void peerGone(PublicKey peer, int reason) {
            RelayLinks.Receiver r = receiver;
            if (r != null) {
                r.peerGone(region, peer);
            }
        }

        @Override
        public void connected() {
            connected.complete(null);
        }

        @Override
        public void disconnected(String why) {
            LOG.log(System.Logger.Level.DEBUG, "relay region {0} ({1}) disconnected: {2}", region, node.name(), why);
        }
    }

    private final Clock clock;
    private final Scheduler scheduler;
    private final SSLContext tls;
    private final ClientFactory factory;
    private volatile RelayLinks.Receiver receiver;
    private final Object lock = new Object();
    // guarded by lock
    private final Map<Integer, Link> links = new HashMap<>();
    // guarded by lock
    private RelayMap map = new RelayMap(null);
    // guarded by lock
    private int home;
    // guarded by lock
    private PrivateKey key;
    // guarded by lock
    private boolean closed;
    // guarded by lock
    private Scheduler.Task sweep;

    /**
     * @param nodeKey   our node key's private half (null until the node has one: sends are dropped until
     *                  {@link #setPrivateKey})
     * @param tls       TLS context for TLS relays, null = the JDK's default trust
     * @param clock     time (idle accounting, the clients' back-off)
     * @param scheduler the idle sweep and the clients' reconnect timers
     */
    public RelayClientLinks(PrivateKey nodeKey, SSLContext tls, Clock clock, Scheduler scheduler) {
        this(nodeKey, tls, clock, scheduler, RelayClient::start);
    }

    /** As above, with the client factory (tests). */
    public RelayClientLinks(PrivateKey nodeKey, SSLContext tls, Clock clock, Scheduler scheduler,
                            ClientFactory factory) {
        this.key = nodeKey;
        this.tls = tls;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    @Override
    public void start(Receiver r) {
        this.receiver = Objects.requireNonNull(r, "receiver");
        synchronized (lock) {
            if (!closed && sweep == null) {
                sweep = scheduler.schedule(this::sweep, SWEEP.toNanos());
            }
        }
    }

    /**
     * Our node key changed (first login, re-login, key renewal): every link is closed, since the relay knows us
     * by the key, and the home link reopened with the new one. Null closes everything and drops sends.
     */
    public void setPrivateKey(PrivateKey k) {
        List<Link> old;
        synchronized (lock) {
            if (Objects.equals(k, key) || closed) {
                return;
            }
            key = k;
            old = new ArrayList<>(links.values());
            links.clear();
            if (home != 0) {
                linkLocked(home);
            }
        }
        closeAll(old);
    }

    @Override
    public void setRelayMap(RelayMap m) {
        List<Link> dropped = new ArrayList<>();
        synchronized (lock) {
            map = m == null ? new RelayMap(null) : m;
            links.values().removeIf(l -> {
                RelayMap.RelayNode n = firstNode(map, l.region);
                if (n == null || !n.equals(l.node)) {
                    dropped.add(l);
                    return true;
                }
                return false;
            });
            if (home != 0 && !closed) {
                Link h = linkLocked(home);
                if (h != null && h.client != null) {
                    h.client.notePreferred(true);
                }
            }
        }
        closeAll(dropped);
    }

    @Override
    public void setHome(int region) {
        RelayClient oldHome = null;
        RelayClient newHome = null;
        synchronized (lock) {
            if (region == home || closed) {
                return;
            }
            Link o = links.get(home);
            if (o != null) {
                oldHome = o.client;
                o.lastUsed = clock.nanoTime(); // idle from now, not from its last packet
            }
            home = region;
            Link n = region == 0 ? null : linkLocked(region);
            if (n != null) {
                newHome = n.client;
            }
        }
        if (oldHome != null) {
            oldHome.notePreferred(false);
        }
        if (newHome != null) {
            newHome.notePreferred(true);
        }
    }

    /** The home region (0 = none). */
    public int home() {
        synchronized (lock) {
            return home;
        }
    }

    /** The regions with an open link now (for status and tests). */
    public List<Integer> openRegions() {
        synchronized (lock) {
            return links.keySet().stream().sorted().toList();
        }
    }

    @Override
    public boolean send(int region, PublicKey dst, byte[] b, int off, int len) {
        Link l;
        synchronized (lock) {
            l = closed ? null : linkLocked(region);
        }
        if (l == null || l.client == null) {
            return false;
        }
        l.lastUsed = clock.nanoTime();
        return l.client.send(dst, b, off, len);
    }

    @Override
    public Duration ping(int region, Duration timeout) throws IOException {
        Link l;
        synchronized (lock) {
            if (closed) {
                throw new IOException("relay links closed");
            }
            l = linkLocked(region);
        }
        if (l == null || l.client == null) {
            throw new IOException("relay region " + region + " is not in the relay map, or the node has no key yet");
        }
        l.lastUsed = clock.nanoTime();
        long t0 = System.nanoTime(); // real time: waiting on a socket, not logic time
        try {
            l.connected.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("relay region " + region + " (" + l.node.name() + "): not connected within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IOException("relay region " + region + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        Duration left = timeout.minusNanos(System.nanoTime() - t0);
        return l.client.ping(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left);
    }

    /** The region's link, opened if absent; null when the region is unknown or we have no key. */
    private Link linkLocked(int region) {
        Link l = links.get(region);
        if (l != null) {
            return l;
        }
        RelayMap.RelayNode node = firstNode(map, region);
        if (node == null || key == null) {
            return null;
        }
        Link fresh = new Link(region, node);
        RelayClientConfig cfg;
        try {
            cfg = new RelayClientConfig(node, key, null, tls, clock, scheduler);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "relay region {0}: {1}", region, e.getMessage());
            return null;
        }
        fresh.client = factory.start(cfg, fresh);
        if (region == home) {
            fresh.client.notePreferred(true);
        }
        links.put(region, fresh);
        return fresh;
    }

    private static RelayMap.RelayNode firstNode(RelayMap m, int region) {
        RelayMap.RelayRegion r = m.region(region);
        return r == null || r.nodes().isEmpty() ? null : r.nodes().getFirst();
    }

    /** Closes non-home links idle for {@link #IDLE}; reschedules itself. */
    void sweep() {
        List<Link> idle = new ArrayList<>();
        long now = clock.nanoTime();
        synchronized (lock) {
            if (closed) {
                return;
            }
            links.values().removeIf(l -> {
                if (l.region != home && now - l.lastUsed >= IDLE.toNanos()) {
                    idle.add(l);
                    return true;
                }
                return false;
            });
            sweep = scheduler.schedule(this::sweep, SWEEP.toNanos());
        }
        closeAll(idle);
    }

    private static void closeAll(List<Link> ls) {
        for (Link l : ls) {
            if (l.client != null) {
                l.client.close();
            }
            l.connected.completeExceptionally(new IOException("relay link closed"));
        }
    }

    @Override
    public void close() {
        List<Link> all;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (sweep != null) {
                sweep.cancel();
            }
            all = new ArrayList<>(links.values());
            links.clear();
        }
        closeAll(all);
    }
}
