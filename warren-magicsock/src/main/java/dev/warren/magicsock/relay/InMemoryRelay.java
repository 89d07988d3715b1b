package dev.warren.magicsock.relay;

import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory relay for tests: every region reaches every attached client (as a meshed relay would), packets are
 * copied and delivered in order by one virtual thread, so a sender never runs the receiver's code (no lock
 * re-entry between two magicsocks). {@link #setDown} drops everything, {@link #awaitIdle} waits until the queue is
 * drained, and per-client counters let tests see which path traffic took.
 *
 * <p>Threads: {@link RelayLinks#send} from any thread; deliveries on the hub's thread.
 */
public final class InMemoryRelay implements AutoCloseable {
    private record Packet(int region, PublicKey src, PublicKey dst, byte[] bytes) {
    }

    private static final Packet STOP = new Packet(0, null, null, new byte[0]);

    private final Map<PublicKey, Link> links = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Packet> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Thread pump;
    private volatile boolean down;
    private final Map<Integer, Duration> latency = new ConcurrentHashMap<>();

    public InMemoryRelay() {
        pump = Thread.ofVirtual().name("in-memory-relay").start(this::run);
    }

    /** The links of the client with node key {@code self}. */
    public Link attach(PublicKey self) {
        Link l = new Link(self);
        links.put(self, l);
        return l;
    }

    /** While down, every packet is dropped. */
    public void setDown(boolean down) {
        this.down = down;
    }

    /** What {@link RelayLinks#ping} reports for {@code region} (zero unless set). */
    public void setLatency(int region, Duration d) {
        latency.put(region, d);
    }

    /** Waits (real time, at most {@code millis}) until every queued packet was delivered. */
    public boolean awaitIdle(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (inFlight.get() > 0) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private void run() {
        while (true) {
            Packet p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (p == STOP) {
                return;
            }
            try {
                Link l = links.get(p.dst());
                RelayLinks.Receiver r = l == null ? null : l.receiver;
                if (r != null && !down) {
                    l.received.incrementAndGet();
                    r.packet(p.region(), p.src(), p.bytes(), 0, p.bytes().length);
                    r.packetsEnd(p.region());
                }
            } catch (RuntimeException e) {
                System.getLogger(InMemoryRelay.class.getName()).log(System.Logger.Level.WARNING,
                        "relay receiver threw", e);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        queue.add(STOP);
    }

    /** One client's {@link RelayLinks}. */
    public final class Link implements RelayLinks {
        private final PublicKey self;
        private volatile RelayLinks.Receiver receiver;
        private volatile RelayMap map = new RelayMap(null);
        private volatile int home;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final AtomicInteger reconnects = new AtomicInteger();

        Link(PublicKey self) {
            this.self = self;
        }

        @Override
        public void start(Receiver r) {
            this.receiver = r;
        }

        @Override
        public void setRelayMap(RelayMap m) {
            this.map = m;
        }

        @Override
        public void setHome(int region) {
            this.home = region;
        }

        public int home() {
            return home;
        }

        @Override
        public boolean send(int region, PublicKey dst, byte[] b, int off, int len) {
            if (down || receiver == null || map.region(region) == null) {
                return false;
            }
            sent.incrementAndGet();
            inFlight.incrementAndGet();
            queue.add(new Packet(region, self, dst, java.util.Arrays.copyOfRange(b, off, off + len)));
            return true;
        }

        @Override
        public Duration ping(int region, Duration timeout) throws IOException {
            if (down || map.region(region) == null) {
                throw new IOException("relay region " + region + " unreachable");
            }
            return latency.getOrDefault(region, Duration.ZERO);
        }

        /** Counts the call: an in-memory link has no connection to re-dial. */
        @Override
        public void reconnect() {
            reconnects.incrementAndGet();
        }

        /** How many times {@link #reconnect} was called. */
        public int reconnects() {
            return reconnects.get();
        }

        /** Packets this client sent through the relay. */
        public long sent() {
            return sent.get();
        }

        /** Packets delivered to this client by the relay. */
        public long received() {
            return received.get();
        }

        @Override
        public void close() {
            links.remove(self, this);
            receiver = null;
        }
    }
}
