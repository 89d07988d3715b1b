package dev.warren.net.udp;

import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.net.linux.Poller;
import dev.warren.net.linux.RateLimitedLog;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

import static dev.warren.net.linux.LinuxConstants.CMSG_LEN_OFF;
import static dev.warren.net.linux.LinuxConstants.CMSG_LEVEL_OFF;
import static dev.warren.net.linux.LinuxConstants.CMSG_TYPE_OFF;
import static dev.warren.net.linux.LinuxConstants.CMSG_HDR_SIZE;
import static dev.warren.net.linux.LinuxConstants.IOVEC_SIZE;
import static dev.warren.net.linux.LinuxConstants.IOV_BASE;
import static dev.warren.net.linux.LinuxConstants.IOV_LEN;
import static dev.warren.net.linux.LinuxConstants.MMSGHDR_SIZE;
import static dev.warren.net.linux.LinuxConstants.MSG_CONTROL;
import static dev.warren.net.linux.LinuxConstants.MSG_CONTROLLEN;
import static dev.warren.net.linux.LinuxConstants.MSG_FLAGS;
import static dev.warren.net.linux.LinuxConstants.MSG_IOV;
import static dev.warren.net.linux.LinuxConstants.MSG_IOVLEN;
import static dev.warren.net.linux.LinuxConstants.MSG_NAME;
import static dev.warren.net.linux.LinuxConstants.MSG_NAMELEN;
import static dev.warren.net.linux.LinuxConstants.POLLOUT;
import static dev.warren.net.linux.LinuxConstants.SOL_UDP;
import static dev.warren.net.linux.LinuxConstants.UDP_SEGMENT;

/**
 * The scratch state of one {@code send} call of a {@link LinuxUdpBind}, pooled so that concurrent senders each
 * get their own without allocating.
 *
 * <p>Pipeline of {@link #send}: 1. write the destination sockaddr once 2. cut the buffers into messages: with
 * GSO, a run of consecutive buffers of equal length (the last may be shorter), at most
 * {@link #MAX_GSO_SEGMENTS} and {@link #MAX_GSO_BYTES}, becomes one message whose iovecs point straight at the
 * buffers (no copy) and whose {@code UDP_SEGMENT} control message carries the segment size; without GSO every
 * buffer is a message 3. {@code sendmmsg} them, continuing after partial sends 4. on {@code EAGAIN} wait for
 * {@code POLLOUT} (up to {@link #WRITABLE_WAIT_MILLIS}, then drop the rest) 5. if a GSO message fails with
 * {@code EIO}/{@code EINVAL}/{@code ENOPROTOOPT}/{@code EOPNOTSUPP}, switch the socket to plain sends for good
 * and rebuild from that message; {@code EMSGSIZE}/{@code ENOBUFS} drop one message; other errors (no route,
 * refused by a firewall) fail the whole call.
 */
final class UdpSender {
    static final int MAX_MESSAGES = LinuxUdpBind.BATCH_SIZE;
    /** Segments per GSO message (the kernel's UDP_MAX_SEGMENTS was 64 before Linux 6.x raised it to 128). */
    static final int MAX_GSO_SEGMENTS = 64;
    /** UDP payload bytes per GSO message: 65535 - 20 (IPv4 header) - 8 (UDP header). */
    static final int MAX_GSO_BYTES = 65507;
    static final int WRITABLE_WAIT_MILLIS = 1000;
    private static final int CONTROL_SLOT = 24; // CMSG_SPACE(sizeof(uint16_t))

    private static final System.Logger LOG = System.getLogger(LinuxUdpBind.class.getName());
    private static final RateLimitedLog DROP_LOG = new RateLimitedLog(LOG, 1000);

    private final MemorySegment state;
    private final Poller poller;
    private final MemorySegment msgs;
    private final MemorySegment iovs;
    private final MemorySegment controls;
    private final MemorySegment name;
    private final byte[] addr = new byte[16];
    private final int[] msgFirst = new int[MAX_MESSAGES];
    private final int[] msgSegments = new int[MAX_MESSAGES];
    private int builtUntil;

    UdpSender() {
        Arena arena = Arena.ofAuto(); // freed with this object; the pool keeps it alive
        this.state = Libc.newCallState(arena);
        this.poller = new Poller(arena);
        this.msgs = arena.allocate((long) MAX_MESSAGES * MMSGHDR_SIZE, 8);
        this.iovs = arena.allocate((long) MAX_MESSAGES * IOVEC_SIZE, 8);
        this.controls = arena.allocate((long) MAX_MESSAGES * CONTROL_SLOT, 8);
        this.name = arena.allocate(32, 8);
    }

    /** Sends {@code bufs[from, from+count)} to {@code to} through {@code sock}; caller holds the generation's guard. */
    void send(LinuxUdpBind.Generation gen, LinuxUdpBind.Socket sock, PacketBuffer[] bufs, int from, int count,
              Endpoint to) throws IOException {
        try {
            int nameLen = SockAddr.write(name, 0, to, addr);
            int i = from;
            int end = from + count;
            while (i < end) {
                int messages = build(bufs, i, end, sock.gso, nameLen);
                int sent = transmit(gen, sock, messages);
                if (sent < messages) {
                    // GSO was just switched off: rebuild from the failed message.
                    i = msgFirst[sent];
                } else {
                    i = builtUntil;
                }
            }
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private int build(PacketBuffer[] bufs, int from, int end, boolean gso, int nameLen) {
        int messages = 0;
        int iov = 0;
        int k = from;
        while (k < end && messages < MAX_MESSAGES && iov < MAX_MESSAGES) {
            int len0 = bufs[k].length();
            int segments = 1;
            int total = len0;
            if (gso && len0 > 0) {
                while (k + segments < end && segments < MAX_GSO_SEGMENTS && iov + segments < MAX_MESSAGES) {
                    int len = bufs[k + segments].length();
                    if (len > len0 || len == 0 || total + len > MAX_GSO_BYTES) {
                        break;
                    }
                    segments++;
                    total += len;
                    if (len < len0) {
                        break;
                    }
                }
            }
            for (int s = 0; s < segments; s++) {
                PacketBuffer b = bufs[k + s];
                if (!b.memory().isNative()) {
                    throw new IllegalArgumentException("packet buffers must be native memory");
                }
                long io = (long) (iov + s) * IOVEC_SIZE;
                iovs.set(Libc.LONG, io + IOV_BASE, b.memory().address() + b.offset());
                iovs.set(Libc.LONG, io + IOV_LEN, b.length());
            }
            long m = (long) messages * MMSGHDR_SIZE;
            msgs.set(Libc.LONG, m + MSG_NAME, name.address());
            msgs.set(Libc.INT, m + MSG_NAMELEN, nameLen);
            msgs.set(Libc.LONG, m + MSG_IOV, iovs.address() + (long) iov * IOVEC_SIZE);
            msgs.set(Libc.LONG, m + MSG_IOVLEN, segments);
            msgs.set(Libc.INT, m + MSG_FLAGS, 0);
            if (segments > 1) {
                long c = (long) messages * CONTROL_SLOT;
                controls.set(Libc.LONG, c + CMSG_LEN_OFF, CMSG_HDR_SIZE + 2);
                controls.set(Libc.INT, c + CMSG_LEVEL_OFF, SOL_UDP);
                controls.set(Libc.INT, c + CMSG_TYPE_OFF, UDP_SEGMENT);
                controls.set(Libc.SHORT, c + CMSG_HDR_SIZE, (short) len0);
                msgs.set(Libc.LONG, m + MSG_CONTROL, controls.address() + c);
                msgs.set(Libc.LONG, m + MSG_CONTROLLEN, CONTROL_SLOT);
            } else {
                msgs.set(Libc.LONG, m + MSG_CONTROL, 0L);
                msgs.set(Libc.LONG, m + MSG_CONTROLLEN, 0L);
            }
            msgFirst[messages] = k;
            msgSegments[messages] = segments;
            messages++;
            iov += segments;
            k += segments;
        }
        builtUntil = k;
        return messages;
    }

    /** One {@code sendmmsg}; returns the count sent or {@code -errno}. */
    private int sendBatch(int fd, int first, int count) {
        long addr = msgs.address() + (long) first * MMSGHDR_SIZE;
        int r = Libc.sendmmsgFast(fd, addr, count, 0);
        if (r >= 0) {
            return r;
        }
        // Nothing was sent; repeat capturing errno (it may well succeed now).
        r = Libc.sendmmsg(state, fd, addr, count, 0);
        return r >= 0 ? r : -Libc.errno(state);
    }

    /** Sends the built messages; returns how many are done, less than {@code messages} if GSO was turned off. */
    private int transmit(LinuxUdpBind.Generation gen, LinuxUdpBind.Socket sock, int messages) throws IOException {
        int m = 0;
        long waitedMillis = 0;
        while (m < messages) {
            int r = sendBatch(sock.fd, m, messages - m);
            if (r > 0) {
                m += r;
                continue;
            }
            int e = r == 0 ? Errno.EAGAIN : -r;
            switch (e) {
                case Errno.EINTR -> {
                }
                case Errno.EAGAIN -> {
                    if (waitedMillis >= WRITABLE_WAIT_MILLIS) {
                        DROP_LOG.log(System.Logger.Level.WARNING, "UDP send buffer stayed full; dropped datagrams",
                                messages - m);
                        return messages;
                    }
                    long t0 = System.nanoTime();
                    poller.await(sock.fd, POLLOUT, gen.wakeFd, WRITABLE_WAIT_MILLIS);
                    waitedMillis += Math.max(1, (System.nanoTime() - t0) / 1_000_000);
                }
                case Errno.EIO, Errno.EINVAL, Errno.ENOPROTOOPT, Errno.EOPNOTSUPP -> {
                    if (msgSegments[m] > 1) {
                        sock.gso = false;
                        LOG.log(System.Logger.Level.WARNING, "UDP GSO failed (" + Errno.name(e)
                                + "); sending without segmentation offload from now on");
                        return m;
                    }
                    DROP_LOG.log(System.Logger.Level.DEBUG, "dropped a datagram", Errno.name(e));
                    m++;
                }
                case Errno.EMSGSIZE, Errno.ENOBUFS, Errno.ENOMEM -> {
                    DROP_LOG.log(System.Logger.Level.DEBUG, "dropped a datagram", Errno.name(e));
                    m++;
                }
                default -> throw Errno.exception("sendmmsg", e);
            }
        }
        return messages;
    }
}
