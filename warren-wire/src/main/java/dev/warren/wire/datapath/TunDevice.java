package dev.warren.wire.datapath;

import java.io.IOException;

/**
 * The WireGuard engine's view of the host: IP packets in and out. A Linux implementation with offloads
 * reads TCP/UDP super-packets and splits them into packets of at most the MTU, and coalesces written
 * packets again; the engine only ever sees single IP packets.
 *
 * <p>Concurrency: one thread calls {@link #read}; {@link #write} may be called from several threads and
 * is serialised inside. {@link #close()} makes a blocked read throw
 * {@link java.nio.channels.ClosedChannelException}, as does the deletion of the interface.
 */
public interface TunDevice extends AutoCloseable {
    /** The interface name, e.g. {@code wg0}. */
    String name();

    /** The current MTU of the interface (it may be changed at any time by {@code ip link set mtu}). */
    int mtu();

    /**
     * Blocks until packets arrive, then fills up to {@code max} of {@code bufs} with one IP packet each, placed at
     * {@link PacketBuffer#HEADROOM}, and returns how many.
     */
    int read(PacketBuffer[] bufs, int max) throws IOException;

    /**
     * Writes {@code bufs[from .. from+count)} (each one IP packet in its window). The device may use the
     * {@link PacketBuffer#HEADROOM} bytes in front of each packet as scratch. Buffers stay owned by the caller.
     */
    void write(PacketBuffer[] bufs, int from, int count) throws IOException;

    /** The largest number of packets one read may return. */
    int batchSize();

    @Override
    void close();
}
