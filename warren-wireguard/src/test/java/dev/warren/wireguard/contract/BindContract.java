package dev.warren.wireguard.contract;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@link Bind} must keep, as the engine relies on it; subclass it once per implementation
 * (the in-memory {@code ChannelBind} now, the Linux socket binds and magicsock later) and supply fresh binds
 * and the endpoint at which an opened bind is reachable. It checks: opening reports the port and at least one
 * receiver; a batch sent by one bind arrives whole at another, each datagram intact in a buffer at offset 0
 * with the sender's endpoint recorded; a receive fills at most {@code max} buffers; send leaves the caller's
 * buffers as they were; several threads may send at once; {@code close} makes a blocked receive throw
 * {@link ClosedChannelException}; a closed bind opens again; a port in use is refused; sending to nobody is
 * not an error. Order is not required (UDP does not promise it), completeness on an idle loopback is.
 *
 * <p>It lives in the wireguard test tree because that is where the fakes are visible; it depends on nothing
 * but the {@code Bind} SPI and JUnit, so it can move to {@code warren-testing} (or a test jar) unchanged when
 * the Linux binds need it.
 */
public abstract class BindContract {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private final List<Bind> opened = new ArrayList<>();

    /** A new, unopened bind; binds made by one test instance must be able to reach each other. */
    protected abstract Bind newBind() throws IOException;

    /** Where other binds reach {@code bind}, given what its {@code open} returned. */
    protected abstract Endpoint reachableAt(Bind bind, Bind.Opened opened);

    /** The largest datagram the implementation must carry (WireGuard needs MTU + 32). */
    protected int maxDatagram() {
        return 1500;
    }

    /** An opened bind, closed after the test. */
    protected record Open(Bind bind, Bind.Opened opened, Endpoint at) {
        Bind.Receiver receiver() {
            return opened.receivers().getFirst();
        }
    }

    protected Open open(int port) throws IOException {
        Bind b = newBind();
        Bind.Opened o = b.open(port);
        opened.add(b);
        return new Open(b, o, reachableAt(b, o));
    }

    @AfterEach
    void closeAll() {
        for (Bind b : opened) {
            b.close();
        }
    }

    @Test
    void openReportsItsPortAndReceivers() throws IOException {
        Open a = open(0);
        assertTrue(a.opened().port() > 0 && a.opened().port() <= 65535, "a real port for port 0");
        assertFalse(a.opened().receivers().isEmpty(), "at least one receiver");
        assertTrue(a.bind().batchSize() >= 1);
        int port = a.opened().port();
        a.bind().close();
        Open again = open(port);
        assertEquals(port, again.opened().port(), "an explicit port is used as given");
    }

    @Test
    void aBatchArrivesWholeWithItsSource() throws Exception {
        Open a = open(0);
        Open b = open(0);
        int n = Math.min(100, 2 * a.bind().batchSize() + 3);
        List<byte[]> sent = new ArrayList<>();
        PacketBuffer[] bufs = new PacketBuffer[n];
        for (int i = 0; i < n; i++) {
            byte[] d = datagram(i, 1 + (i * 97) % maxDatagram());
            sent.add(d);
            bufs[i] = buffer(d, 16);
        }
        a.bind().send(bufs, 0, n, b.at());
        List<byte[]> got = receive(b, n);
        assertEquals(ids(sent), ids(got), "every datagram of the batch arrives once");
        for (byte[] d : got) {
            assertArrayEquals(sent.get(id(d)), d, "datagram " + id(d) + " intact");
        }
    }

    @Test
    void receivedBuffersStartAtOffsetZeroAndRecordTheSender() throws Exception {
        Open a = open(0);
        Open b = open(0);
        byte[] d = datagram(7, 300);
        a.bind().send(new PacketBuffer[] {buffer(d, 16)}, 0, 1, b.at());
        PacketBuffer[] into = buffers(4);
        int n = receiveSome(b.receiver(), into, 4);
        assertEquals(1, n);
        assertEquals(0, into[0].offset());
        assertEquals(d.length, into[0].length());
        assertArrayEquals(d, into[0].toByteArray());
        assertTrue(into[0].sourceMatches(a.at()), "source " + into[0].source() + " is the sender " + a.at());
        assertEquals(a.at().port(), into[0].sourcePort());
    }

    @Test
    void aReceiveFillsAtMostMax() throws Exception {
        Open a = open(0);
        Open b = open(0);
        PacketBuffer[] bufs = new PacketBuffer[10];
        for (int i = 0; i < 10; i++) {
            bufs[i] = buffer(datagram(i, 40), 16);
        }
        a.bind().send(bufs, 0, 10, b.at());
        PacketBuffer[] into = buffers(10);
        Set<Integer> seen = new HashSet<>();
        long end = System.nanoTime() + WAIT.toNanos();
        while (seen.size() < 10 && System.nanoTime() < end) {
            int n = receiveSome(b.receiver(), into, 3);
            assertTrue(n >= 1 && n <= 3, "receive(max 3) returned " + n);
            for (int i = 0; i < n; i++) {
                seen.add(id(into[i].toByteArray()));
            }
        }
        assertEquals(10, seen.size());
    }

    @Test
    void sendLeavesTheCallersBuffersAsTheyWere() throws Exception {
        Open a = open(0);
        Open b = open(0);
        byte[] d = datagram(3, 200);
        PacketBuffer buf = buffer(d, 16);
        a.bind().send(new PacketBuffer[] {buffer(datagram(9, 5), 16), buf}, 1, 1, b.at());
        assertEquals(16, buf.offset());
        assertEquals(d.length, buf.length());
        assertArrayEquals(d, buf.toByteArray());
        List<byte[]> got = receive(b, 1);
        assertEquals(3, id(got.getFirst()), "only bufs[from .. from+count) is sent");
    }

    @Test
    void severalThreadsMaySendAtOnce() throws Exception {
        Open a = open(0);
        Open b = open(0);
        int threads = 4;
        int each = 50;
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            senders.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        a.bind().send(new PacketBuffer[] {buffer(datagram(base + i, 64 + i), 16)}, 0, 1, b.at());
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        CompletableFuture<List<byte[]>> got = CompletableFuture.supplyAsync(() -> {
            try {
                return receive(b, threads * each);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (Thread t : senders) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(threads * each, new HashSet<>(ids(got.get(10, TimeUnit.SECONDS))).size());
    }

    @Test
    void closeUnblocksAReceiver() throws Exception {
        Open a = open(0);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                a.receiver().receive(buffers(4), 4);
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        Thread.sleep(100);
        assertFalse(outcome.isDone(), "receive blocks while nothing arrives");
        a.bind().close();
        Throwable e = outcome.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertInstanceOf(ClosedChannelException.class, e, "a blocked receive ends with ClosedChannelException");
        t.join(1000);
        assertThrows(ClosedChannelException.class, () -> a.receiver().receive(buffers(1), 1),
                "and so does every later receive");
    }

    @Test
    void aClosedBindOpensAgainAndWorks() throws Exception {
        Open b = open(0);
        Open a = open(0);
        int port = a.opened().port();
        a.bind().close();
        Bind.Opened reopened = a.bind().open(port);
        Endpoint at = reachableAt(a.bind(), reopened);
        a.bind().send(new PacketBuffer[] {buffer(datagram(1, 10), 16)}, 0, 1, b.at());
        assertEquals(1, id(receive(b, 1).getFirst()), "sending works after reopening");
        b.bind().send(new PacketBuffer[] {buffer(datagram(2, 10), 16)}, 0, 1, at);
        PacketBuffer[] into = buffers(1);
        assertEquals(1, receiveSome(reopened.receivers().getFirst(), into, 1));
        assertEquals(2, id(into[0].toByteArray()), "receiving works after reopening");
    }

    @Test
    void aPortInUseIsRefused() throws Exception {
        Open a = open(0);
        Bind other = newBind();
        opened.add(other);
        assertThrows(IOException.class, () -> other.open(a.opened().port()));
    }

    @Test
    void sendingToNobodyIsNotAnError() throws Exception {
        Open a = open(0);
        Open gone = open(0);
        Endpoint nobody = gone.at();
        gone.bind().close();
        a.bind().send(new PacketBuffer[] {buffer(datagram(1, 10), 16)}, 0, 1, nobody);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** A datagram whose first 4 bytes are its id and the rest a pattern of it. */
    protected static byte[] datagram(int id, int length) {
        byte[] d = new byte[Math.max(4, length)];
        d[0] = (byte) (id >>> 24);
        d[1] = (byte) (id >>> 16);
        d[2] = (byte) (id >>> 8);
        d[3] = (byte) id;
        for (int i = 4; i < d.length; i++) {
            d[i] = (byte) (id * 31 + i);
        }
        return d;
    }

    protected static int id(byte[] d) {
        return (d[0] & 0xff) << 24 | (d[1] & 0xff) << 16 | (d[2] & 0xff) << 8 | (d[3] & 0xff);
    }

    private static List<Integer> ids(List<byte[]> ds) {
        return ds.stream().map(BindContract::id).sorted().toList();
    }

    protected static PacketBuffer buffer(byte[] d, int offset) {
        PacketBuffer b = PacketBuffer.allocate(offset + d.length + 64);
        b.copyFrom(d, 0, offset, d.length);
        b.set(offset, d.length);
        return b;
    }

    private PacketBuffer[] buffers(int n) {
        PacketBuffer[] bufs = new PacketBuffer[n];
        for (int i = 0; i < n; i++) {
            bufs[i] = PacketBuffer.allocate(Math.max(2048, maxDatagram() + 64));
        }
        return bufs;
    }

    /** One receive call, failing the test if it blocks longer than the timeout. */
    private static int receiveSome(Bind.Receiver r, PacketBuffer[] into, int max)
            throws InterruptedException, ExecutionException {
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> {
            try {
                return r.receive(into, max);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("nothing received within " + WAIT);
        }
    }

    /** Receives until {@code n} datagrams arrived (or fails after the timeout). */
    private List<byte[]> receive(Open o, int n) throws Exception {
        List<byte[]> got = new ArrayList<>();
        PacketBuffer[] into = buffers(Math.max(1, o.bind().batchSize()));
        long end = System.nanoTime() + WAIT.toNanos();
        while (got.size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("received " + got.size() + " of " + n);
            }
            int k = receiveSome(o.receiver(), into, into.length);
            for (int i = 0; i < k; i++) {
                got.add(into[i].toByteArray());
            }
        }
        return got;
    }
}
