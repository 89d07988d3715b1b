package dev.warren.filter;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;
import dev.warren.wire.time.Clock;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TunDevice} decorator that puts a {@link PacketFilter} between the host and the WireGuard engine.
 *
 * <pre>
 * read  (host → tunnel)   1. the real device fills the batch  2. each packet's flow is recorded (never dropped)
 * write (tunnel → host)   1. each packet is judged  2. the admitted ones are compacted, in order, into a
 *                         reusable array  3. the real device writes them (the batch unchanged when all pass)
 *                         4. drops are logged at most once per {@link #LOG_INTERVAL}
 * </pre>
 * Buffers stay owned by the caller in both directions; dropped packets are simply not written.
 *
 * <p>Concurrency: one thread reads (with {@code readCursor}, confined to it); engine threads may write at once,
 * and are serialised by {@code writeLock} — the real device serialises its writes anyway, so nothing is lost.
 * The flow table shared by both directions synchronises itself.
 */
public final class FilterTun implements TunDevice {
    /** At most one drop log line per this interval. */
    public static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final TunDevice tun;
    private final PacketFilter filter;
    private final PacketFilter.Cursor readCursor; // confined to the reading thread
    private final ReentrantLock writeLock = new ReentrantLock();
    // guarded by writeLock
    private final PacketFilter.Cursor writeCursor;
    // guarded by writeLock; grows to the largest batch once
    private PacketBuffer[] pass = new PacketBuffer[64];
    // guarded by writeLock
    private final DropLog log;

    public FilterTun(TunDevice tun, PacketFilter filter, Clock clock) {
        this.tun = Objects.requireNonNull(tun, "tun");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.readCursor = filter.newCursor();
        this.writeCursor = filter.newCursor();
        this.log = new DropLog(clock, LOG_INTERVAL.toNanos());
    }

    /** The filter this device enforces. */
    public PacketFilter filter() {
        return filter;
    }

    @Override
    public String name() {
        return tun.name();
    }

    @Override
    public int mtu() {
        return tun.mtu();
    }

    @Override
    public int read(PacketBuffer[] bufs, int max) throws IOException {
        int n = tun.read(bufs, max);
        for (int i = 0; i < n; i++) {
            readCursor.outbound(bufs[i]);
        }
        return n;
    }

    @Override
    public void write(PacketBuffer[] bufs, int from, int count) throws IOException {
        writeLock.lock();
        try {
            if (pass.length < count) {
                pass = new PacketBuffer[count];
            }
            int k = 0;
            boolean dropped = false;
            for (int i = from; i < from + count; i++) {
                DropReason r = writeCursor.inbound(bufs[i]);
                if (r == null) {
                    pass[k++] = bufs[i];
                } else {
                    dropped = true;
                    log.dropped(r, writeCursor.headers());
                }
            }
            try {
                if (!dropped) {
                    tun.write(bufs, from, count);
                } else if (k > 0) {
                    tun.write(pass, 0, k);
                }
            } finally {
                Arrays.fill(pass, 0, k, null); // hold no reference to the caller's buffers
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public int batchSize() {
        return tun.batchSize();
    }

    @Override
    public void close() {
        tun.close();
    }
}
