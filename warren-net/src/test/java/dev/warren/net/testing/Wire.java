package dev.warren.net.testing;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import dev.warren.wire.datapath.TunDevice;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two TUN devices joined by Java: one platform thread per direction reads a batch from one device and writes it
 * to the other, like the data plane minus the crypto. Stops when a device is closed. The system property
 * {@code wire.batch} overrides the batch size (1 turns coalescing off, for experiments).
 */
public final class Wire implements AutoCloseable {
    private final Thread ab;
    private final Thread ba;
    public final AtomicLong packets = new AtomicLong();
    public final AtomicReference<Throwable> failure = new AtomicReference<>();

    public Wire(TunDevice a, TunDevice b) {
        ab = Thread.ofPlatform().daemon().name("wire-ab").start(() -> copy(a, b));
        ba = Thread.ofPlatform().daemon().name("wire-ba").start(() -> copy(b, a));
    }

    private void copy(TunDevice from, TunDevice to) {
        int batch = Integer.getInteger("wire.batch", from.batchSize());
        PacketPool pool = new PacketPool(batch, PacketBuffer.HEADROOM + 9000 + PacketBuffer.TAILROOM);
        PacketBuffer[] bufs = new PacketBuffer[batch];
        for (int i = 0; i < batch; i++) {
            bufs[i] = pool.acquire();
        }
        try {
            while (true) {
                int n = from.read(bufs, batch);
                to.write(bufs, 0, n);
                packets.addAndGet(n);
            }
        } catch (ClosedChannelException closed) {
            // done
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Waits for both copy threads to end (close the devices first). */
    @Override
    public void close() throws InterruptedException {
        ab.join(5000);
        ba.join(5000);
    }
}
