package dev.warren.net.udp;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both binds over IPv4 and IPv6 loopback: batches both ways, sources, close, reopen. */
@Timeout(60)
class BindLoopbackTest {
    static final byte[] LO4 = {127, 0, 0, 1};
    static final byte[] LO6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    static Stream<Arguments> binds() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : new String[] {"linux", "portable"}) {
            for (boolean v6 : new boolean[] {false, true}) {
                out.add(Arguments.of(kind, v6));
            }
        }
        return out.stream();
    }

    static Supplier<Bind> factory(String kind) {
        return kind.equals("linux") ? LinuxUdpBind::new : DatagramChannelBind::new;
    }

    /** A receiving thread that collects every datagram's bytes and source into a queue. */
    static final class Collector implements AutoCloseable {
        final BlockingQueue<Object> got = new ArrayBlockingQueue<>(100_000);
        final List<Thread> threads = new ArrayList<>();

        Collector(Bind.Opened opened, int max) {
            for (Bind.Receiver r : opened.receivers()) {
                Thread t = Thread.ofPlatform().daemon().start(() -> {
                    PacketPool pool = new PacketPool(max, 65536 + 64);
                    PacketBuffer[] bufs = new PacketBuffer[max];
                    for (int i = 0; i < max; i++) {
                        bufs[i] = pool.acquire();
                    }
                    try {
                        while (true) {
                            int n = r.receive(bufs, max);
                            for (int i = 0; i < n; i++) {
                                assertEquals(0, bufs[i].offset());
                                got.add(new Received(bufs[i].toByteArray(), bufs[i].source()));
                            }
                        }
                    } catch (Throwable e) {
                        got.add(e);
                    }
                });
                threads.add(t);
            }
        }

        Received take() throws Exception {
            Object o = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(o, "timed out waiting for a datagram");
            if (o instanceof Throwable t) {
                throw new AssertionError("receiver failed", t);
            }
            return (Received) o;
        }

        @Override
        public void close() throws InterruptedException {
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    record Received(byte[] data, Endpoint source) {
    }

    static PacketBuffer[] datagrams(int count, int size, int seed) {
        PacketBuffer[] out = new PacketBuffer[count];
        for (int i = 0; i < count; i++) {
            int len = i == count - 1 ? Math.max(1, size / 2) : size; // a shorter last one, as GSO allows
            byte[] b = new byte[len];
            for (int j = 0; j < len; j++) {
                b[j] = (byte) (seed + i * 7 + j);
            }
            b[0] = (byte) i;
            out[i] = PacketBuffer.allocate(16 + len + 32);
            out[i].copyFrom(b, 0, 16, len);
            out[i].set(16, len);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} v6={1}")
    @MethodSource("binds")
    void batchesBothWays(String kind, boolean v6) throws Exception {
        try (Bind a = factory(kind).get(); Bind b = factory(kind).get()) {
            Bind.Opened oa = a.open(0);
            Bind.Opened ob = b.open(0);
            assertTrue(oa.port() > 0 && ob.port() > 0 && oa.port() != ob.port());
            Endpoint toB = Endpoint.of(v6 ? LO6 : LO4, ob.port());
            Endpoint toA = Endpoint.of(v6 ? LO6 : LO4, oa.port());
            try (Collector ca = new Collector(oa, 64); Collector cb = new Collector(ob, 64)) {
                for (int batch : new int[] {1, 2, 7, 64, 128, 200}) {
                    for (int size : new int[] {1, 100, 1452}) {
                        roundOneWay(a, toB, cb, batch, size, oa.port(), v6);
                        roundOneWay(b, toA, ca, batch, size, ob.port(), v6);
                    }
                }
                a.close();
                b.close();
            }
        }
    }

    private static void roundOneWay(Bind sender, Endpoint to, Collector at, int batch, int size, int senderPort,
                                    boolean v6) throws Exception {
        PacketBuffer[] bufs = datagrams(batch, size, batch + size);
        // Send in chunks no larger than the socket buffers can hold at once, spread over two calls.
        sender.send(bufs, 0, batch / 2, to);
        sender.send(bufs, batch / 2, batch - batch / 2, to);
        List<byte[]> got = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            Received r = at.take();
            assertEquals(senderPort, r.source().port());
            assertEquals(v6 ? 16 : 4, r.source().address().length, "source address length");
            assertArrayEquals(v6 ? LO6 : LO4, r.source().address());
            got.add(r.data());
        }
        got.sort((x, y) -> Integer.compare(x[0] & 0xff, y[0] & 0xff));
        for (int i = 0; i < batch; i++) {
            assertArrayEquals(bufs[i].toByteArray(), got.get(i), "datagram " + i + " of " + batch + " x " + size);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binds")
    void closeUnblocksAReceiverAndReopenWorks(String kind, boolean v6) throws Exception {
        Bind bind = factory(kind).get();
        Bind.Opened first = bind.open(0);
        BlockingQueue<Throwable> outcome = new ArrayBlockingQueue<>(4);
        for (Bind.Receiver r : first.receivers()) {
            Thread.ofPlatform().daemon().start(() -> {
                PacketBuffer[] bufs = {PacketBuffer.allocate(65600)};
                try {
                    r.receive(bufs, 1);
                    outcome.add(new AssertionError("receive returned"));
                } catch (Throwable e) {
                    outcome.add(e);
                }
            });
        }
        Thread.sleep(200);
        bind.close();
        for (int i = 0; i < first.receivers().size(); i++) {
            Throwable e = outcome.poll(5, TimeUnit.SECONDS);
            assertNotNull(e, "receiver still blocked after close");
            assertInstanceOf(ClosedChannelException.class, e);
        }
        assertThrows(ClosedChannelException.class, () -> first.receivers().getFirst().receive(
                new PacketBuffer[] {PacketBuffer.allocate(2048)}, 1));
        assertThrows(ClosedChannelException.class, () -> bind.send(datagrams(1, 10, 0), 0, 1,
                Endpoint.of(v6 ? LO6 : LO4, 9)));

        // Reopen on another port and talk to it.
        try (Bind peer = factory(kind).get()) {
            Bind.Opened second = bind.open(0);
            Bind.Opened po = peer.open(0);
            try (Collector c = new Collector(second, 16)) {
                roundOneWay(peer, Endpoint.of(v6 ? LO6 : LO4, second.port()), c, 5, 300, po.port(), v6);
                bind.close();
                peer.close();
            }
        }
    }

    @Test
    void explicitPortIsUsedForBothFamilies() throws Exception {
        int port;
        try (LinuxUdpBind probe = new LinuxUdpBind()) {
            port = probe.open(0).port();
        }
        try (LinuxUdpBind bind = new LinuxUdpBind()) {
            Bind.Opened o = bind.open(port);
            assertEquals(port, o.port());
            assertEquals(2, o.receivers().size());
            assertThrows(IllegalStateException.class, () -> bind.open(0));
            try (LinuxUdpBind clash = new LinuxUdpBind()) {
                IOException e = assertThrows(IOException.class, () -> clash.open(port));
                assertTrue(e.getMessage().contains("EADDRINUSE"), e.getMessage());
            }
        }
    }

    @Test
    void linuxGsoSendAndGroReceive() throws Exception {
        try (LinuxUdpBind a = new LinuxUdpBind(); LinuxUdpBind b = new LinuxUdpBind()) {
            a.open(0);
            Bind.Opened ob = b.open(0);
            assertTrue(a.gsoEnabled(false), "UDP GSO on IPv4");
            assertTrue(b.groEnabled(false), "UDP GRO on IPv4");
            // A small receive batch forces the GRO remainder to be kept across calls.
            try (Collector c = new Collector(ob, 5)) {
                for (boolean v6 : new boolean[] {false, true}) {
                    PacketBuffer[] bufs = datagrams(64, 1200, 3);
                    a.send(bufs, 0, 64, Endpoint.of(v6 ? LO6 : LO4, ob.port()));
                    List<byte[]> got = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        got.add(c.take().data());
                    }
                    for (int i = 0; i < 64; i++) {
                        assertArrayEquals(bufs[i].toByteArray(), got.get(i), "in order, datagram " + i);
                    }
                }
                assertTrue(b.groMessagesReceived() > 0, "loopback delivered GRO super-datagrams");
                a.close();
                b.close();
            }
        }
    }

    @Test
    void factoryHonoursTheProperty() {
        String old = System.getProperty(Binds.PROPERTY);
        try {
            System.setProperty(Binds.PROPERTY, "portable");
            assertInstanceOf(DatagramChannelBind.class, Binds.create());
            System.setProperty(Binds.PROPERTY, "linux");
            assertInstanceOf(LinuxUdpBind.class, Binds.create());
            System.clearProperty(Binds.PROPERTY);
            assertInstanceOf(LinuxUdpBind.class, Binds.create());
            System.setProperty(Binds.PROPERTY, "bogus");
            assertThrows(IllegalArgumentException.class, Binds::create);
        } finally {
            if (old == null) {
                System.clearProperty(Binds.PROPERTY);
            } else {
                System.setProperty(Binds.PROPERTY, old);
            }
        }
    }

    @Test
    void setMarkAppliesToOpenSockets() throws Exception {
        try (LinuxUdpBind bind = new LinuxUdpBind()) {
            bind.setMark(0x1234); // before open: remembered
            bind.open(0);
            bind.setMark(0x4321);
            bind.setMark(0);
        }
        try (DatagramChannelBind bind = new DatagramChannelBind()) {
            bind.open(0);
            bind.setMark(0x1234); // no fd access without --add-opens: a logged no-op, never a failure
        }
    }
}
