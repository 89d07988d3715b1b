package dev.warren.magicsock;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RelayInbox}: a reader's packets reach the engine only at its flush and then all at once, in order; each
 * reader thread stages separately; a full queue drops; a take returns at most what fits; close ends the consumer.
 */
class RelayInboxTest {
    static final Endpoint SRC = Endpoint.of(new InetSocketAddress("127.0.0.1", 4242));

    static PacketBuffer[] buffers(int n, int capacity) {
        PacketBuffer[] b = new PacketBuffer[n];
        for (int i = 0; i < n; i++) {
            b[i] = PacketBuffer.allocate(capacity);
        }
        return b;
    }

    static byte[] packet(int len, int seed) {
        byte[] p = new byte[len];
        for (int i = 0; i < len; i++) {
            p[i] = (byte) (seed + i);
        }
        return p;
    }

    @Test
    void stagedPacketsWaitForTheFlushThenGoAsOneBatchInOrder() throws Exception {
        RelayInbox box = new RelayInbox(1024);
        for (int i = 0; i < 10; i++) {
            box.add(SRC, packet(100, i));
        }
        assertEquals(0, box.queued(), "nothing reaches the engine before the reader's flush");
        box.flush();
        assertEquals(10, box.queued());
        PacketBuffer[] bufs = buffers(64, 2048);
        assertEquals(10, box.take(bufs, 64));
        for (int i = 0; i < 10; i++) {
            assertEquals(100, bufs[i].length());
            assertEquals((byte) i, bufs[i].getByte(bufs[i].offset()), "packet " + i + " in order");
            assertEquals(SRC, bufs[i].source());
        }
    }

    @Test
    void aTakeReturnsAtMostMaxAndTheRestStaysQueued() throws Exception {
        RelayInbox box = new RelayInbox(1024);
        for (int i = 0; i < 50; i++) {
            box.add(SRC, packet(10, i));
        }
        box.flush();
        PacketBuffer[] bufs = buffers(32, 2048);
        assertEquals(32, box.take(bufs, 32));
        assertEquals(18, box.take(bufs, 32));
        assertEquals((byte) 32, bufs[0].getByte(bufs[0].offset()));
    }

    @Test
    void aFullQueueDropsWhatDoesNotFit() {
        RelayInbox box = new RelayInbox(8);
        for (int i = 0; i < 12; i++) {
            box.add(SRC, packet(10, i));
        }
        box.flush();
        assertEquals(8, box.queued());
        assertEquals(4, box.dropped());
    }

    @Test
    void packetsLargerThanTheEnginesBuffersAreDropped() throws Exception {
        RelayInbox box = new RelayInbox(16);
        box.add(SRC, packet(3000, 1));
        box.add(SRC, packet(500, 2));
        box.flush();
        PacketBuffer[] bufs = buffers(4, 1024);
        assertEquals(1, box.take(bufs, 4));
        assertEquals(500, bufs[0].length());
    }

    @Test
    void aLongRunIsFlushedWithoutWaitingForTheEnd() {
        RelayInbox box = new RelayInbox(1024);
        for (int i = 0; i < RelayInbox.STAGE_MAX; i++) {
            box.add(SRC, packet(10, i));
        }
        assertEquals(RelayInbox.STAGE_MAX, box.queued());
    }

    @Test
    void eachReaderThreadStagesItsOwnPackets() throws Exception {
        RelayInbox box = new RelayInbox(1024);
        box.add(SRC, packet(10, 1));
        Thread other = Thread.ofVirtual().start(() -> {
            box.add(SRC, packet(10, 2));
            box.add(SRC, packet(10, 3));
            box.flush();
        });
        other.join();
        assertEquals(2, box.queued(), "the other reader's flush does not take this thread's staged packet");
        box.flush();
        assertEquals(3, box.queued());
    }

    @Test
    void theConsumerWakesForAFlushAndEndsAtClose() throws Exception {
        RelayInbox box = new RelayInbox(1024);
        PacketBuffer[] bufs = buffers(64, 2048);
        AtomicInteger got = new AtomicInteger();
        CountDownLatch closed = new CountDownLatch(1);
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    got.addAndGet(box.take(bufs, 64));
                }
            } catch (ClosedChannelException e) {
                closed.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 0; i < 5; i++) {
            box.add(SRC, packet(10, i));
        }
        box.flush();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got.get() < 5 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(5, got.get());
        assertFalse(closed.await(50, TimeUnit.MILLISECONDS));
        box.close();
        assertTrue(closed.await(5, TimeUnit.SECONDS));
        consumer.join();
        box.add(SRC, packet(10, 9));
        box.flush();
        assertEquals(0, box.queued(), "a closed inbox takes nothing");
        assertThrows(ClosedChannelException.class, () -> box.take(bufs, 64));
    }
}
