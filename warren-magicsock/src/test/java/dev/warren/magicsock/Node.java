package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.net.IpAddresses;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test node: a MagicSock on a {@link ChannelNetwork} address and an {@link InMemoryRelay}, with receiver threads
 * playing the engine (collecting every WireGuard packet handed up, with its reported source).
 */
final class Node implements AutoCloseable {
    record Received(Endpoint source, byte[] bytes) {
    }

    final PrivateKey key = X25519.generatePrivateKey();
    final NodeKey nodeKey = NodeKey.of(X25519.publicKey(key));
    final ChannelBind udp;
    final InMemoryRelay.Link relay;
    final MagicSock sock;
    final InetSocketAddress address;
    final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Thread> readers = new ArrayList<>();

    Node(ChannelNetwork net, InMemoryRelay hub, ManualScheduler scheduler, String ip, int port) throws IOException {
        byte[] addr = IpAddresses.parse(ip);
        udp = net.bind(addr);
        relay = hub.attach(nodeKey.publicKey());
        InetAddress local = InetAddress.getByAddress(addr);
        sock = new MagicSock(new MagicSock.Config(nodeKey, udp, relay, scheduler.clock(), scheduler,
                () -> List.of(local), null, null));
        Bind.Opened o = sock.bind().open(port);
        address = new InetSocketAddress(local, o.port());
        for (Bind.Receiver r : o.receivers()) {
            readers.add(Thread.ofVirtual().start(() -> read(r)));
        }
    }

    private void read(Bind.Receiver r) {
        PacketBuffer[] bufs = new PacketBuffer[8];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = PacketBuffer.allocate(2048);
        }
        while (true) {
            int n;
            try {
                n = r.receive(bufs, bufs.length);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                received.add(new Received(bufs[i].source(), bufs[i].toByteArray()));
            }
        }
    }

    /** Sends a WireGuard-looking transport packet (type 4) carrying {@code tag} to {@code to}. */
    void sendTo(Endpoint to, String tag) throws IOException {
        byte[] payload = tag.getBytes();
        byte[] pkt = new byte[16 + payload.length];
        pkt[0] = 4;
        System.arraycopy(payload, 0, pkt, 16, payload.length);
        PacketBuffer b = PacketBuffer.allocate(pkt.length);
        b.copyFrom(pkt, 0, 0, pkt.length);
        b.set(0, pkt.length);
        sock.bind().send(new PacketBuffer[]{b}, 0, 1, to);
    }

    /** Waits (real time) for a packet tagged {@code tag}; returns it or fails. */
    Received awaitPacket(String tag) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            Received r = received.poll(10, TimeUnit.MILLISECONDS);
            if (r != null && new String(r.bytes(), 16, r.bytes().length - 16).equals(tag)) {
                return r;
            }
        }
        throw new AssertionError("packet " + tag + " never arrived");
    }

    @Override
    public void close() throws InterruptedException {
        sock.close();
        for (Thread t : readers) {
            t.join(2000);
        }
    }
}
