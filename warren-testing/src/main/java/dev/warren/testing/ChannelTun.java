package dev.warren.testing;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@link TunDevice}: the test {@link #inject}s packets the "host" sends, and {@link #take}s packets
 * the engine delivered to the host.
 */
public final class ChannelTun implements TunDevice {
    private static final byte[] CLOSE = new byte[0];
    private final String name;
    private final LinkedBlockingQueue<byte[]> toEngine = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<byte[]> toHost = new LinkedBlockingQueue<>();
    private volatile int mtu = 1420;
    private volatile boolean closed;

    public ChannelTun(String name) {
        this.name = name;
    }

    /** A packet the host sends into the tunnel. */
    public void inject(byte[] packet) {
        toEngine.add(packet.clone());
    }

    /** The next packet the engine wrote to the host, or null after {@code timeout}. */
    public byte[] take(Duration timeout) throws InterruptedException {
        return toHost.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int delivered() {
        return toHost.size();
    }

    public void setMtu(int mtu) {
        this.mtu = mtu;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public int read(PacketBuffer[] bufs, int max) throws IOException {
        byte[] p;
        try {
            p = toEngine.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedChannelException();
        }
        int n = 0;
        while (true) {
            if (p == CLOSE) {
                toEngine.add(CLOSE);
                if (n == 0) {
                    throw new ClosedChannelException();
                }
                return n;
            }
            PacketBuffer b = bufs[n];
            b.copyFrom(p, 0, PacketBuffer.HEADROOM, p.length);
            b.set(PacketBuffer.HEADROOM, p.length);
            n++;
            if (n == max || (p = toEngine.poll()) == null) {
                return n;
            }
        }
    }

    @Override
    public void write(PacketBuffer[] bufs, int from, int count) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        for (int i = from; i < from + count; i++) {
            toHost.add(bufs[i].toByteArray());
        }
    }

    @Override
    public int batchSize() {
        return 64;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            toEngine.add(CLOSE);
        }
    }
}
