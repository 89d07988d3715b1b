package dev.warren.wireguard;

import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.time.Duration;

/**
 * A test's own UDP socket on a {@link ChannelNetwork}: it sends byte arrays and receives whatever a device sends
 * to it, one datagram at a time with a (real-time) timeout. The other end of a {@link ScriptedPeer}.
 */
final class RawSocket implements AutoCloseable {
    private final ChannelBind bind;
    private final Bind.Receiver receiver;
    private final PacketBuffer[] one = {PacketBuffer.allocate(65536 + 64)};
    private final Endpoint local;

    RawSocket(ChannelNetwork net, byte[] address, int port) throws IOException {
        this.bind = net.bind(address);
        this.receiver = bind.open(port).receivers().getFirst();
        this.local = bind.local();
    }

    Endpoint local() {
        return local;
    }

    void send(byte[] datagram, Endpoint to) throws IOException {
        PacketBuffer b = PacketBuffer.allocate(datagram.length + 64);
        b.copyFrom(datagram, 0, 0, datagram.length);
        b.set(0, datagram.length);
        bind.send(new PacketBuffer[] {b}, 0, 1, to);
    }

    /** The next datagram, or null when none arrives within {@code timeout}. */
    byte[] receive(Duration timeout) throws IOException, InterruptedException {
        if (!bind.awaitQueued(timeout.toMillis())) {
            return null;
        }
        receiver.receive(one, 1);
        return one[0].toByteArray();
    }

    /** The source of the datagram {@link #receive} returned last. */
    Endpoint lastSource() {
        return one[0].source();
    }

    /** Receives until a datagram of {@code type} arrives (others are discarded); null on timeout. */
    byte[] receiveType(int type, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            byte[] d = receive(Duration.ofNanos(left));
            if (d == null || ScriptedPeer.typeOf(d) == type) {
                return d;
            }
        }
    }

    /** Discards everything queued now; returns how many datagrams that was. */
    int drain() throws IOException, InterruptedException {
        int n = 0;
        while (receive(Duration.ZERO) != null) {
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        bind.close();
    }
}
