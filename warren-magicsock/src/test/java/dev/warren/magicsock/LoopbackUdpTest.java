package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.net.udp.DatagramChannelBind;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two magicsocks on real loopback UDP sockets ({@link DatagramChannelBind}) and real time: the first packet and its
 * reply arrive through the relay well within 1 s, and disco moves the pair to the direct path. Prints the timings.
 */
class LoopbackUdpTest {
    private static final InetAddress LO = InetAddress.ofLiteral("127.0.0.1");

    private static final class Side implements AutoCloseable {
        final NodeKey key = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
        final MagicSock sock;
        final InMemoryRelay.Link relay;
        final LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Endpoint> sources = new LinkedBlockingQueue<>();
        final InetSocketAddress address;
        final List<Thread> readers = new java.util.ArrayList<>();

        Side(InMemoryRelay hub, ExecutorScheduler sched) throws IOException {
            relay = hub.attach(key.publicKey());
            sock = new MagicSock(new MagicSock.Config(key, new DatagramChannelBind(), relay, Clock.system(), sched,
                    () -> List.of(LO), null, null));
            sock.setRelayMap(MagicSockTest.RELAYS);
            Bind.Opened o = sock.bind().open(0);
            address = new InetSocketAddress(LO, o.port());
            for (Bind.Receiver r : o.receivers()) {
                readers.add(Thread.ofVirtual().start(() -> {
                    PacketBuffer[] bufs = {PacketBuffer.allocate(2048), PacketBuffer.allocate(2048)};
                    while (true) {
                        try {
                            int n = r.receive(bufs, 2);
                            for (int i = 0; i < n; i++) {
                                sources.add(bufs[i].source());
                                got.add(bufs[i].toByteArray());
                            }
                        } catch (ClosedChannelException e) {
                            return;
                        } catch (IOException e) {
                            // keep reading
                        }
                    }
                }));
            }
        }

        void send(Endpoint to, int tag) throws IOException {
            PacketBuffer b = PacketBuffer.allocate(32);
            b.putByte(0, 4);
            b.putIntLE(16, tag);
            b.set(0, 32);
            sock.bind().send(new PacketBuffer[]{b}, 0, 1, to);
        }

        int take() throws InterruptedException {
            byte[] b = got.poll(5, TimeUnit.SECONDS);
            assertNotNull(b, "no packet within 5 s");
            return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(16);
        }

        @Override
        public void close() throws InterruptedException {
            sock.close();
            for (Thread t : readers) {
                t.join(2000);
            }
        }
    }

    @Test
    void firstReplyWithinOneSecondThenDirect() throws Exception {
        try (InMemoryRelay hub = new InMemoryRelay(); ExecutorScheduler sched = new ExecutorScheduler("loopback-test");
             Side a = new Side(hub, sched); Side b = new Side(hub, sched)) {
            a.sock.setPeers(List.of(new PeerSpec(b.key, b.sock.discoKey(), 1, List.of(b.address))));
            b.sock.setPeers(List.of(new PeerSpec(a.key, a.sock.discoKey(), 1, List.of(a.address))));
            Endpoint bAtA = a.sock.endpointOf(b.key);
            Endpoint aAtB = b.sock.endpointOf(a.key);

            long t0 = System.nanoTime();
            a.send(bAtA, 1);
            assertEquals(1, b.take());
            b.send(aAtB, 2);
            assertEquals(2, a.take());
            long firstReply = System.nanoTime() - t0;
            assertTrue(a.relay.sent() > 0, "first packet did not use the relay");
            assertTrue(firstReply < TimeUnit.SECONDS.toNanos(1), "first reply took " + firstReply / 1e6 + " ms");

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!a.sock.pathOf(b.key).isDirect() && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            long toDirect = System.nanoTime() - t0;
            assertTrue(a.sock.pathOf(b.key).isDirect(), "no direct path on loopback");
            assertEquals(b.address, a.sock.pathOf(b.key).direct());
            long relaySent = a.relay.sent();
            a.send(bAtA, 3);
            assertEquals(3, b.take());
            Endpoint src = null;
            while (!b.sources.isEmpty()) {
                src = b.sources.poll();
            }
            assertEquals(aAtB, src, "direct packet not reported with the synthetic source");
            assertEquals(relaySent, a.relay.sent());
            PingResult pong = a.sock.ping(b.key, java.time.Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
            System.out.printf("loopback: first reply %.2f ms (via relay), direct after %.2f ms, disco ping %s%n",
                    firstReply / 1e6, toDirect / 1e6, pong.describe());
        }
    }
}
