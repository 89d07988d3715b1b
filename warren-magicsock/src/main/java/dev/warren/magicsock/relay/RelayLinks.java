package dev.warren.magicsock.relay;

import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.time.Duration;

/**
 * magicsock's view of the relays: one logical link per region, addressed by the destination's node public key (the
 * WireGuard key, as the relay knows clients). Implementations open a region's connection on demand, keep the home
 * region's forever and close others after a minute idle.
 *
 * <p>Threads: {@link #send} is called from many threads; the {@link Receiver} is called from the implementation's
 * receive threads and must not block.
 */
public interface RelayLinks extends AutoCloseable {
    /**
     * Packets arriving from any region. {@code b[off, off+len)} is only valid during the call. A receiver may keep
     * the packets of a run of {@link #packet} calls until {@link #packetsEnd} (to hand them on as one batch):
     * implementations call it after each run, at the latest before their reader blocks.
     */
    interface Receiver {
        void packet(int region, PublicKey src, byte[] b, int off, int len);

        /** The end of a run of {@link #packet} calls from one reader thread (what one read returned). */
        default void packetsEnd(int region) {
        }

        /**
         * The relay of {@code region} says {@code peer} is not (or no longer) connected to it: packets sent to it
         * there are dropped until it reconnects. Default: ignored (the peer's disco pings decide the path).
         */
        default void peerGone(int region, PublicKey peer) {
        }
    }

    /** Sets the receiver of incoming packets; called once before any send. */
    void start(Receiver receiver);

    /** Replaces the relay map; links to regions no longer in it are closed. */
    void setRelayMap(RelayMap map);

    /** Marks {@code region} as home: its link stays open and tells the relay it is preferred. 0: none. */
    void setHome(int region);

    /**
     * Sends one packet to {@code dst} through {@code region}, opening the link if needed. Returns false when it was
     * dropped (unknown region, link down, queue full) — as for UDP, the caller does not retry.
     */
    boolean send(int region, PublicKey dst, byte[] b, int off, int len);

    /**
     * Sends the packets {@code bufs[from, from+count)} (each its {@code [offset, offset+length)}) to {@code dst}
     * through {@code region}, in order; returns how many were taken (the rest were dropped as by {@link #send}).
     * Implementations that can hand a batch over at once (one lock, one wake-up, no intermediate array) override
     * this; the default sends each packet on its own.
     */
    default int send(int region, PublicKey dst, PacketBuffer[] bufs, int from, int count) {
        int sent = 0;
        for (int i = from; i < from + count; i++) {
            byte[] b = bufs[i].toByteArray();
            if (send(region, dst, b, 0, b.length)) {
                sent++;
            }
        }
        return sent;
    }

    /**
     * The host's network changed: close every open link (its TCP connection may be bound to an address the host
     * no longer has, its send queue stuck) and dial them again, the home region first. Packets sent meanwhile wait
     * for the new connection as on a first dial.
     */
    void reconnect();

    /** One round trip to {@code region}'s relay over its link (netcheck when UDP is blocked). */
    Duration ping(int region, Duration timeout) throws IOException;

    @Override
    void close();
}
