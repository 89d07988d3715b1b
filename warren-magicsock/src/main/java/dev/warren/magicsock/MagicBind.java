package dev.warren.magicsock;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The WireGuard engine's {@link Bind} over a {@link MagicSock}: the engine sends to peers' synthetic endpoints and
 * receives WireGuard packets only, whatever path they took.
 *
 * <p>Receivers: one per receiver of the underlying UDP bind, which demultiplexes each batch in place (disco and
 * STUN are copied out, handled and removed; junk is dropped; WireGuard from a disco-verified address gets the
 * peer's synthetic source; the kept buffers are compacted to the front by swapping array slots), plus one receiver
 * for WireGuard packets that arrived through a relay ({@link RelayInbox}: {@link #RELAY_QUEUE} deep, overflow drops;
 * each relay reader hands over what one socket read returned as one batch).
 *
 * <p>Rebind ({@link #rebind}): the UDP bind is closed and reopened on the same port; a UDP receiver that sees its
 * socket closed while this bind is still open waits for the new generation and continues, so the engine does not
 * notice.
 *
 * <p>Threads: {@link #send} from any engine thread; each receiver on its own thread. The state fields below are
 * guarded by {@code this}; the current generation is published through a volatile field.
 */
public final class MagicBind implements Bind {
    static final int RELAY_QUEUE = 1024;

    /** One opening of the underlying UDP bind. */
    private record Generation(List<Receiver> receivers, int port) {
    }

    private final MagicSock sock;
    private final Bind udp;
    // guarded by this
    private boolean open;
    // written under this, read anywhere
    private volatile Generation generation;
    // written under this, read anywhere
    private volatile RelayInbox relayInbox;

    MagicBind(MagicSock sock, Bind udp) {
        this.sock = sock;
        this.udp = udp;
    }

    @Override
    public Opened open(int port) throws IOException {
        int bound;
        List<Receiver> mine = new ArrayList<>();
        synchronized (this) {
            if (open) {
                throw new IOException("magicsock bind already open");
            }
            Opened o = udp.open(port);
            generation = new Generation(o.receivers(), o.port());
            relayInbox = new RelayInbox(RELAY_QUEUE);
            open = true;
            bound = o.port();
            for (int i = 0; i < o.receivers().size(); i++) {
                mine.add(new UdpReceiver(i));
            }
            mine.add(new RelayReceiver(relayInbox));
        }
        sock.opened(bound);
        return new Opened(List.copyOf(mine), bound);
    }

    synchronized boolean isOpen() {
        return open;
    }

    /** The bound UDP port, or 0 when closed. */
    public int port() {
        Generation g = generation;
        return isOpen() && g != null ? g.port() : 0;
    }

    /**
     * Closes and reopens the UDP socket on the same port (a free one if it was taken meanwhile). When no socket
     * can be opened at all, the bind is left closed and its receivers report that to the engine.
     */
    void rebind() throws IOException {
        synchronized (this) {
            if (!open) {
                return;
            }
            int port = generation.port();
            udp.close();
            Opened o;
            try {
                o = udp.open(port);
            } catch (IOException e) {
                try {
                    o = udp.open(0);
                } catch (IOException again) {
                    // no socket at all: report the bind closed so the engine stops rather than waits forever
                    open = false;
                    notifyAll();
                    throw again;
                }
            }
            if (o.receivers().size() != generation.receivers().size()) {
                udp.close();
                open = false;
                throw new IOException("rebind opened " + o.receivers().size() + " receivers instead of "
                        + generation.receivers().size());
            }
            generation = new Generation(o.receivers(), o.port());
            notifyAll();
        }
    }

    @Override
    public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        sock.send(bufs, from, count, to);
    }

    /** Sends on the real UDP socket. */
    void sendUdp(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        udp.send(bufs, from, count, to);
    }

    /**
     * A WireGuard packet from a peer through a relay, staged until the calling reader thread's {@link #relayFlush};
     * dropped when the engine is not keeping up or the bind is closed.
     */
    void relayInbound(Endpoint source, byte[] bytes) {
        RelayInbox q = relayInbox;
        if (q != null) {
            q.add(source, bytes);
        }
    }

    /** Hands the packets the calling reader thread staged to the engine in one batch. */
    void relayFlush() {
        RelayInbox q = relayInbox;
        if (q != null) {
            q.flush();
        }
    }

    @Override
    public void setMark(int mark) throws IOException {
        udp.setMark(mark);
    }

    @Override
    public int batchSize() {
        return udp.batchSize();
    }

    @Override
    public void close() {
        RelayInbox q;
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
            q = relayInbox;
            udp.close();
            notifyAll();
        }
        q.close();
    }

    /** Waits for a newer generation after the UDP socket closed; false when this bind itself was closed. */
    private boolean awaitNewGeneration(Generation old) {
        synchronized (this) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (open && generation == old) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return open;
        }
    }

    /** Demultiplexes one UDP receiver's batches. */
    private final class UdpReceiver implements Receiver {
        private final int index;
        /** Cache of the last verified source (receiver-thread confined). */
        private Endpoint lastSource;

        UdpReceiver(int index) {
            this.index = index;
        }

        @Override
        public int receive(PacketBuffer[] bufs, int max) throws IOException {
            while (true) {
                Generation g = generation;
                if (g == null) {
                    throw new ClosedChannelException();
                }
                int n;
                try {
                    n = g.receivers().get(index).receive(bufs, max);
                } catch (ClosedChannelException e) {
                    if (awaitNewGeneration(g)) {
                        continue;
                    }
                    throw e;
                }
                int kept = filter(bufs, n);
                if (kept > 0) {
                    return kept;
                }
            }
        }

        private int filter(PacketBuffer[] bufs, int n) {
            int kept = 0;
            for (int i = 0; i < n; i++) {
                PacketBuffer b = bufs[i];
                switch (Demux.classify(b)) {
                    case WIREGUARD -> {
                        mapSource(b);
                        if (i != kept) {
                            bufs[i] = bufs[kept];
                            bufs[kept] = b;
                        }
                        kept++;
                    }
                    case DISCO -> {
                        try {
                            sock.discoFromUdp(b.toByteArray(), b.source());
                        } catch (RuntimeException e) {
                            System.getLogger(MagicBind.class.getName()).log(System.Logger.Level.WARNING,
                                    "disco packet failed", e);
                        }
                    }
                    case STUN -> {
                        try {
                            sock.stunFromUdp(b.toByteArray(), b.source());
                        } catch (RuntimeException e) {
                            System.getLogger(MagicBind.class.getName()).log(System.Logger.Level.WARNING,
                                    "STUN packet failed", e);
                        }
                    }
                    case JUNK -> {
                        // dropped
                    }
                }
            }
            return kept;
        }

        private void mapSource(PacketBuffer b) {
            if (lastSource != null && b.sourceMatches(lastSource)) {
                Endpoint m = sock.verifiedMagic(lastSource);
                if (m != null) {
                    b.setSource(m);
                    return;
                }
            }
            Endpoint src = b.source();
            Endpoint m = sock.verifiedMagic(src);
            if (m != null) {
                lastSource = src;
                b.setSource(m);
            }
        }
    }

    /** Hands relay-delivered WireGuard packets to the engine, a whole staged batch at a time. */
    private static final class RelayReceiver implements Receiver {
        private final RelayInbox inbox;

        RelayReceiver(RelayInbox inbox) {
            this.inbox = inbox;
        }

        @Override
        public int receive(PacketBuffer[] bufs, int max) throws IOException {
            try {
                return inbox.take(bufs, max);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClosedChannelException();
            }
        }
    }
}
