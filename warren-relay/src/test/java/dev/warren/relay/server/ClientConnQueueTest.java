package dev.warren.relay.server;

import dev.warren.crypto.X25519;
import dev.warren.relay.FrameIo;
import dev.warren.relay.RelayTestKit;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-client queues on fake time, without sockets: the writer writes into memory. Proves the disco queue is
 * separate (a data flood does not push disco out and disco goes first), drop-oldest, keepalives on the scheduler
 * and the write deadline.
 */
class ClientConnQueueTest {
    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final PrivateKey key = X25519.generatePrivateKey();
    final PublicKey pub = X25519.publicKey(key);

    RelayServerConfig cfg() {
        return RelayServerConfig.of("127.0.0.1", 0, key, clock, scheduler);
    }

    static byte[] recv(PublicKey src, byte[] packet) {
        return new RelayFrame.RecvPacket(src, packet).encode();
    }

    /** Frames written so far, decoded. */
    static List<RelayFrame> frames(ByteArrayOutputStream out) throws Exception {
        List<RelayFrame> l = new ArrayList<>();
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        while (in.available() > 0) {
            byte[] f = FrameIo.readFrame(in);
            l.add(RelayFrame.decode(FrameIo.type(f), java.nio.ByteBuffer.wrap(f, 5, f.length - 5)));
        }
        return l;
    }

    @Test
    void aDataFloodDoesNotStarveDisco() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(), out, cfg(), 100);
        for (int i = 0; i < 100; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.bytes(50, i)), false);
        }
        for (int i = 0; i < 5; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.discoPacket(i)), true);
        }
        assertEquals(68, c.dropped.get(), "100 data into 32 places");
        c.start();
        RelayTestKit.await("writer drained", () -> out.size() >= 5 * (5 + 32 + 100) + 32 * (5 + 32 + 50));
        List<RelayFrame> f = frames(out);
        assertEquals(37, f.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(RelayTestKit.discoPacket(i)[10], ((RelayFrame.RecvPacket) f.get(i)).packet()[10],
                    "disco first, in order");
        }
        for (int i = 0; i < 32; i++) {
            assertEquals((byte) (68 + i), ((RelayFrame.RecvPacket) f.get(5 + i)).packet()[0],
                    "the newest 32 data packets survive, in order");
        }
        c.close("done");
    }

    @Test
    void discoHasItsOwnLimit() {
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(),
                OutputStream.nullOutputStream(), cfg(), 100);
        for (int i = 0; i < 40; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.discoPacket(i)), true);
        }
        assertEquals(8, c.dropped.get());
    }

    @Test
    void keepAlivesFollowTheInjectedClock() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(), out, cfg(), 100);
        c.start();
        scheduler.advance(Duration.ofSeconds(59));
        Thread.sleep(50);
        assertEquals(0, out.size());
        scheduler.advance(Duration.ofSeconds(6));
        RelayTestKit.await("one keepalive", () -> out.size() == 5);
        scheduler.advance(Duration.ofSeconds(65));
        RelayTestKit.await("two keepalives", () -> out.size() == 10);
        assertTrue(frames(out).stream().allMatch(f -> f instanceof RelayFrame.KeepAlive));
        c.close("done");
        scheduler.advance(Duration.ofSeconds(130));
        assertEquals(0, scheduler.pending(), "closing cancels the keepalive");
    }

    @Test
    void aWriteBlockedPastTheDeadlineClosesTheConnection() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        OutputStream blocked = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                writing.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    throw new IOException("interrupted");
                }
            }
        };
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(), blocked, cfg(), 100);
        c.start();
        c.enqueuePacket(recv(pub, new byte[10]), false);
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        c.checkWriteDeadline(clock.nanoTime() + Duration.ofMillis(1900).toNanos());
        assertTrue(!c.isClosed(), "within the 2 s deadline");
        c.checkWriteDeadline(clock.nanoTime() + Duration.ofMillis(2100).toNanos());
        assertTrue(c.isClosed());
        assertTrue(c.closeReason().startsWith("write blocked for more than 2000 ms"), c.closeReason());
        never.countDown();
    }

    @Test
    void aControlQueueThatOverflowsClosesTheConnection() {
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(),
                OutputStream.nullOutputStream(), cfg(), 3);
        for (int i = 0; i < 3; i++) {
            c.enqueueControl(new RelayFrame.KeepAlive());
        }
        assertTrue(!c.isClosed());
        c.enqueueControl(new RelayFrame.KeepAlive());
        assertTrue(c.isClosed());
        assertEquals("control queue overflow (3 frames unread)", c.closeReason());
    }

    /** An output stream that records each write call separately. */
    static final class Recording extends OutputStream {
        final List<byte[]> writes = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void write(int b) {
            writes.add(new byte[]{(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(java.util.Arrays.copyOfRange(b, off, off + len));
        }

        int total() {
            synchronized (writes) {
                return writes.stream().mapToInt(w -> w.length).sum();
            }
        }
    }

    @Test
    void oneWakeUpIsOneWriteOfControlThenDiscoThenData() throws Exception {
        Recording out = new Recording();
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(), out, cfg(), 100);
        for (int i = 0; i < 20; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.bytes(200, i)), false);
        }
        for (int i = 0; i < 5; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.discoPacket(i)), true);
        }
        c.enqueueControl(new RelayFrame.KeepAlive());
        c.enqueueControl(new RelayFrame.PeerGone(pub, RelayFrame.PEER_GONE_DISCONNECTED));
        int expected = 5 + (5 + 33) + 5 * (5 + 32 + 100) + 20 * (5 + 32 + 200);
        c.start();
        RelayTestKit.await("writer drained", () -> out.total() == expected);
        assertEquals(1, out.writes.size(), "everything queued before the wake-up goes out in one write");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.writes.getFirst());
        List<RelayFrame> f = frames(all);
        assertEquals(27, f.size());
        assertTrue(f.get(0) instanceof RelayFrame.KeepAlive);
        assertTrue(f.get(1) instanceof RelayFrame.PeerGone);
        for (int i = 0; i < 5; i++) {
            assertEquals(RelayTestKit.discoPacket(i)[10], ((RelayFrame.RecvPacket) f.get(2 + i)).packet()[10]);
        }
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(RelayTestKit.bytes(200, i), ((RelayFrame.RecvPacket) f.get(7 + i)).packet());
        }
        c.close("done");
    }

    @Test
    void aBacklogLargerThanABatchGoesOutInOrderInBoundedWholeFrameWrites() throws Exception {
        Recording out = new Recording();
        // a mesh peer's data queue holds 32 x 32 packets, so 600 fit without drops
        ClientConn c = new ClientConn(1, pub, true, new Socket(), InputStream.nullInputStream(), out, cfg(), 100);
        int n = 600;
        int frameLen = 5 + 32 + 1000;
        for (int i = 0; i < n; i++) {
            c.enqueuePacket(recv(pub, RelayTestKit.bytes(1000, i)), false);
        }
        assertEquals(0, c.dropped.get());
        c.start();
        RelayTestKit.await("writer drained", () -> out.total() == n * frameLen);
        assertTrue(out.writes.size() >= 3, "600 KB cannot go in fewer than 3 batches: " + out.writes.size());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] w : out.writes) {
            assertEquals(0, w.length % frameLen, "a write holds whole frames");
            assertTrue(w.length / frameLen <= ClientConn.BATCH, "at most BATCH frames per write");
            assertTrue(w.length < ClientConn.BATCH_BYTES + frameLen, "at most one frame past BATCH_BYTES");
            all.writeBytes(w);
        }
        List<RelayFrame> f = frames(all);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(RelayTestKit.bytes(1000, i), ((RelayFrame.RecvPacket) f.get(i)).packet(), "packet " + i);
        }
        c.close("done");
    }

    @Test
    void aReaderThatStopsReadingIsDroppedAfterTheDeadlineEvenMidBatch() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        OutputStream stalls = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(), stalls, cfg(), 100);
        c.start();
        for (int i = 0; i < 10; i++) {
            c.enqueuePacket(recv(pub, new byte[1000]), false);
        }
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 100; i++) {
            c.enqueuePacket(recv(pub, new byte[1000]), false);
        }
        assertTrue(c.dropped.get() >= 100 - 32, "the stalled connection's queue keeps dropping its oldest");
        c.checkWriteDeadline(clock.nanoTime() + Duration.ofMillis(1999).toNanos());
        assertTrue(!c.isClosed());
        c.checkWriteDeadline(clock.nanoTime() + Duration.ofMillis(2001).toNanos());
        assertTrue(c.isClosed());
        never.countDown();
    }

    @Test
    void enqueueSaysWhenTheWriterFallsBehind() {
        ClientConn c = new ClientConn(1, pub, false, new Socket(), InputStream.nullInputStream(),
                OutputStream.nullOutputStream(), cfg(), 100);
        for (int i = 1; i < 16; i++) {
            assertTrue(!c.enqueuePacket(recv(pub, new byte[10]), false), "queue of " + i + " of 32: not behind");
        }
        assertTrue(c.enqueuePacket(recv(pub, new byte[10]), false), "half of the 32 places taken");
        for (int i = 0; i < 40; i++) {
            assertTrue(c.enqueuePacket(recv(pub, new byte[10]), false), "a full queue stays behind");
        }
        assertEquals(24, c.dropped.get());
        for (int i = 1; i < 8; i++) {
            assertTrue(!c.enqueuePacket(recv(pub, RelayTestKit.discoPacket(i)), true), "disco has its own queue");
        }
        c.close("done");
        assertTrue(!c.enqueuePacket(recv(pub, new byte[10]), false), "a closed connection takes nothing");
    }
}
