package dev.warren.wire.datapath;

import java.io.IOException;
import java.util.List;

/**
 * The WireGuard engine's view of the network: datagrams in, datagrams out, nothing else. Implementations are
 * a Linux socket pair with batched I/O and offloads, a portable {@code DatagramChannel} pair, an in-memory
 * channel for tests, and later magicsock (which adds relays and NAT traversal behind this same interface).
 *
 * <p>Concurrency: {@link #send} may be called from many threads at once. Each {@link Receiver} is driven by
 * exactly one thread. {@link #close()} makes blocked receivers throw {@link java.nio.channels.ClosedChannelException}.
 */
public interface Bind extends AutoCloseable {
    /** The receivers of an opened bind and the port actually bound (when 0 was asked for). */
    record Opened(List<Receiver> receivers, int port) {
    }

    /** Reads datagrams from one socket. */
    interface Receiver {
        /**
         * Blocks until at least one datagram arrives, then fills up to {@code max} of {@code bufs} (each at
         * offset 0, with {@link PacketBuffer#setSource} recording the sender) and returns how many.
         *
         * @throws java.nio.channels.ClosedChannelException once the bind is closed
         */
        int receive(PacketBuffer[] bufs, int max) throws IOException;
    }

    /** Opens the sockets on {@code port} (0 picks a free port shared by IPv4 and IPv6). */
    Opened open(int port) throws IOException;

    /**
     * Sends {@code bufs[from .. from+count)} (each its {@code [offset, offset+length)} window) to {@code to}. The
     * buffers stay owned by the caller. A datagram that cannot be sent is dropped, as UDP allows; an
     * {@link IOException} reports a failure that affects the whole batch (e.g. no route).
     */
    void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException;

    /** Sets the firewall mark on outgoing packets (0 clears it); applies to open and future sockets. */
    void setMark(int mark) throws IOException;

    /** The largest batch one {@link Receiver#receive} or {@link #send} call handles efficiently. */
    int batchSize();

    /** Closes the sockets; open may be called again afterwards. */
    @Override
    void close();
}
