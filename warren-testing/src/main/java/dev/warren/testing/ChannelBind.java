package dev.warren.testing;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.net.BindException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link Bind} on a {@link ChannelNetwork}: one address, one port, datagrams as byte arrays. */
public final class ChannelBind implements Bind {
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(40000);
    private static final byte[] CLOSE = new byte[0];

    private record Datagram(Endpoint from, byte[] bytes) {
    }

    final class Socket implements Receiver {
        final Endpoint local;
        final LinkedBlockingDeque<Datagram> queue = new LinkedBlockingDeque<>(4096);

        Socket(Endpoint local) {
            this.local = local;
        }

        void enqueue(Endpoint from, byte[] bytes, boolean first) {
            Datagram d = new Datagram(from, bytes);
            if (first) {
                queue.offerFirst(d);
            } else {
                queue.offerLast(d);
            }
        }

        @Override
        public int receive(PacketBuffer[] bufs, int max) throws IOException {
            Datagram d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClosedChannelException();
            }
            int n = 0;
            while (true) {
                if (d.bytes == CLOSE) {
                    queue.offerFirst(d);
                    if (n == 0) {
                        throw new ClosedChannelException();
                    }
                    return n;
                }
                PacketBuffer b = bufs[n];
                b.copyFrom(d.bytes, 0, 0, d.bytes.length);
                b.set(0, d.bytes.length);
                b.setSource(d.from);
                n++;
                if (n == max || (d = queue.poll()) == null) {
                    return n;
                }
            }
        }
    }

    private final ChannelNetwork net;
    private final byte[] address;
    private volatile Socket socket;
    private volatile int sent;

    ChannelBind(ChannelNetwork net, byte[] address) {
        this.net = net;
        this.address = address.clone();
    }

    @Override
    public synchronized Opened open(int port) throws IOException {
        if (socket != null) {
            throw new IOException("already open");
        }
        int p = port == 0 ? NEXT_PORT.getAndIncrement() : port;
        Endpoint local = Endpoint.of(address, p);
        Socket s = new Socket(local);
        if (net.sockets.putIfAbsent(local, s) != null) {
            throw new BindException("address in use: " + local);
        }
        socket = s;
        return new Opened(List.of(s), p);
    }

    /** Where this bind listens, or null when closed. */
    public Endpoint local() {
        Socket s = socket;
        return s == null ? null : s.local;
    }

    @Override
    public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        Socket s = socket;
        if (s == null) {
            throw new ClosedChannelException();
        }
        for (int i = from; i < from + count; i++) {
            net.deliver(s.local, to, bufs[i].toByteArray());
        }
        sent += count;
    }

    /** Datagrams sent so far. */
    public int sent() {
        return sent;
    }

    @Override
    public void setMark(int mark) {
        // marks mean nothing in memory
    }

    @Override
    public int batchSize() {
        return 64;
    }

    @Override
    public synchronized void close() {
        Socket s = socket;
        if (s == null) {
            return;
        }
        socket = null;
        net.sockets.remove(s.local, s);
        s.queue.offerLast(new Datagram(null, CLOSE));
    }

    /** Waits until a datagram is queued for this bind (tests that inspect raw traffic). */
    public boolean awaitQueued(long millis) throws InterruptedException {
        Socket s = socket;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (s != null && s.queue.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        return s != null && !s.queue.isEmpty();
    }
}
