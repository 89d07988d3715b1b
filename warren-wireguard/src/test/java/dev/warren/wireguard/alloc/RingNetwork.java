package dev.warren.wireguard.alloc;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.net.BindException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory UDP network whose binds allocate nothing per datagram (unlike {@code ChannelBind}, which makes a
 * byte array per datagram): each socket is a {@link SlotRing} of preallocated native slots, sending copies the
 * packet into the destination's ring, receiving copies it out. Lossless except when a ring is full (counted in
 * {@link #overflows()}). For measuring the engine's own allocations; it keeps the {@link Bind} contract.
 */
public final class RingNetwork {
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(45000);
    private final Map<Endpoint, SlotRing> sockets = new ConcurrentHashMap<>();
    private final int slots;
    private final int slotSize;
    private final AtomicLong overflows = new AtomicLong();

    /** A network whose sockets hold {@code slots} datagrams of up to {@code slotSize} bytes. */
    public RingNetwork(int slots, int slotSize) {
        this.slots = slots;
        this.slotSize = slotSize;
    }

    public Bind bind(byte[] address) {
        return new RingBind(address.clone());
    }

    /** Datagrams dropped because the receiving ring was full or the datagram too large. */
    public long overflows() {
        return overflows.get();
    }

    /** A bind with one address; one receiver (one ring) per open. */
    public final class RingBind implements Bind {
        private final byte[] address;
        private volatile Endpoint local;
        private volatile SlotRing ring;

        RingBind(byte[] address) {
            this.address = address;
        }

        public Endpoint local() {
            return local;
        }

        @Override
        public synchronized Opened open(int port) throws IOException {
            if (ring != null) {
                throw new IOException("already open");
            }
            int p = port == 0 ? NEXT_PORT.getAndIncrement() : port;
            Endpoint ep = Endpoint.of(address, p);
            SlotRing r = new SlotRing(slots, slotSize);
            if (sockets.putIfAbsent(ep, r) != null) {
                throw new BindException("address in use: " + ep);
            }
            local = ep;
            ring = r;
            return new Opened(List.of(new RingReceiver(r)), p);
        }

        @Override
        public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
            Endpoint me = local;
            if (me == null) {
                throw new ClosedChannelException();
            }
            SlotRing dst = sockets.get(to);
            if (dst == null) {
                return; // nobody listens there: the datagram is lost, as UDP allows
            }
            for (int i = from; i < from + count; i++) {
                PacketBuffer b = bufs[i];
                if (!dst.offer(b.memory(), b.offset(), b.length(), address, address.length, me.port())) {
                    overflows.incrementAndGet();
                }
            }
        }

        @Override
        public void setMark(int mark) {
            // nothing to mark in memory
        }

        @Override
        public int batchSize() {
            return 64;
        }

        @Override
        public synchronized void close() {
            SlotRing r = ring;
            if (r == null) {
                return;
            }
            sockets.remove(local, r);
            ring = null;
            local = null;
            r.close();
        }
    }

    /** Receives from one ring: blocks (parked) until at least one datagram is there, then takes up to max. */
    private static final class RingReceiver implements Bind.Receiver {
        private final SlotRing ring;

        RingReceiver(SlotRing ring) {
            this.ring = ring;
        }

        @Override
        public int receive(PacketBuffer[] bufs, int max) throws IOException {
            if (ring.isClosed() || !ring.await()) {
                throw new ClosedChannelException();
            }
            int n = 0;
            while (n < max && ring.poll(bufs[n], 0)) {
                n++;
            }
            return n;
        }
    }
}
