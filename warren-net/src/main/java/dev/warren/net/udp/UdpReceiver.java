package dev.warren.net.udp;

import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.net.linux.Poller;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.warren.net.linux.LinuxConstants.CMSG_HDR_SIZE;
import static dev.warren.net.linux.LinuxConstants.CMSG_LEN_OFF;
import static dev.warren.net.linux.LinuxConstants.CMSG_LEVEL_OFF;
import static dev.warren.net.linux.LinuxConstants.CMSG_TYPE_OFF;
import static dev.warren.net.linux.LinuxConstants.IOVEC_SIZE;
import static dev.warren.net.linux.LinuxConstants.IOV_BASE;
import static dev.warren.net.linux.LinuxConstants.IOV_LEN;
import static dev.warren.net.linux.LinuxConstants.MMSGHDR_SIZE;
import static dev.warren.net.linux.LinuxConstants.MMSG_LEN;
import static dev.warren.net.linux.LinuxConstants.MSG_CONTROL;
import static dev.warren.net.linux.LinuxConstants.MSG_CONTROLLEN;
import static dev.warren.net.linux.LinuxConstants.MSG_DONTWAIT;
import static dev.warren.net.linux.LinuxConstants.MSG_FLAGS;
import static dev.warren.net.linux.LinuxConstants.MSG_IOV;
import static dev.warren.net.linux.LinuxConstants.MSG_IOVLEN;
import static dev.warren.net.linux.LinuxConstants.MSG_NAME;
import static dev.warren.net.linux.LinuxConstants.MSG_NAMELEN;
import static dev.warren.net.linux.LinuxConstants.MSG_TRUNC;
import static dev.warren.net.linux.LinuxConstants.POLLIN;
import static dev.warren.net.linux.LinuxConstants.SOCKADDR_IN6_SIZE;
import static dev.warren.net.linux.LinuxConstants.SOL_UDP;
import static dev.warren.net.linux.LinuxConstants.UDP_GRO;

/**
 * Receives from one UDP socket of a {@link LinuxUdpBind} with {@code recvmmsg}.
 *
 * <p>Pipeline of {@link #receive}: 1. if a previous call left segments of a message undelivered, hand those
 * out first and return 2. {@code recvmmsg(MSG_DONTWAIT)} up to {@link #MESSAGES} datagrams into private
 * 64 KiB staging slots (a GRO'd datagram can be that large); when it fails, poll the socket and the bind's
 * close eventfd (errno is only asked for if the call fails again right after poll reported data: see
 * {@link Libc}'s fast path) 3. per message, read the {@code UDP_GRO} control message ({@code SOL_UDP}, an {@code int}
 * segment size; absent when the kernel did not coalesce) 4. cut it into segments of that size (the last may be
 * shorter) and copy each into the caller's next buffer at offset 0 with its source address. When the caller
 * has fewer buffers than segments the rest stays pending for the next call.
 *
 * <p>Concurrency: driven by one thread (the {@link Bind.Receiver} contract); all state is confined to it.
 * Allocation-free. The staging memory is an anonymous mapping, released with the bind's sockets.
 */
final class UdpReceiver implements Bind.Receiver {
    /** Datagrams per {@code recvmmsg}. */
    static final int MESSAGES = 64;
    /** Staging slot per datagram: the largest (GRO'd) UDP payload. */
    static final int SLOT = 65536;
    private static final int NAME_SLOT = 32;
    private static final int CONTROL_SLOT = 64;

    private final LinuxUdpBind.Generation gen;
    private final int fd;
    private final MemorySegment state;
    private final Poller poller;
    private final MemorySegment msgs;
    private final MemorySegment names;
    private final MemorySegment controls;
    private final MemorySegment staging;

    // Pending messages of the last recvmmsg.
    private int msgCount;
    private int curMsg;
    private int curOff;
    private int curLen = -1; // -1: current message not yet parsed
    private int curGso;
    private long datagrams;
    private long groMessages;

    UdpReceiver(LinuxUdpBind.Generation gen, int fd, Arena arena, MemorySegment staging) {
        this.gen = gen;
        this.fd = fd;
        this.staging = staging;
        this.state = Libc.newCallState(arena);
        this.poller = new Poller(arena);
        this.msgs = arena.allocate((long) MESSAGES * MMSGHDR_SIZE, 8);
        MemorySegment iovs = arena.allocate((long) MESSAGES * IOVEC_SIZE, 8);
        this.names = arena.allocate((long) MESSAGES * NAME_SLOT, 8);
        this.controls = arena.allocate((long) MESSAGES * CONTROL_SLOT, 8);
        for (int i = 0; i < MESSAGES; i++) {
            long io = (long) i * IOVEC_SIZE;
            iovs.set(Libc.LONG, io + IOV_BASE, staging.address() + (long) i * SLOT);
            iovs.set(Libc.LONG, io + IOV_LEN, SLOT);
            long m = (long) i * MMSGHDR_SIZE;
            msgs.set(Libc.LONG, m + MSG_NAME, names.address() + (long) i * NAME_SLOT);
            msgs.set(Libc.LONG, m + MSG_IOV, iovs.address() + io);
            msgs.set(Libc.LONG, m + MSG_IOVLEN, 1L);
            msgs.set(Libc.LONG, m + MSG_CONTROL, controls.address() + (long) i * CONTROL_SLOT);
        }
    }

    @Override
    public int receive(PacketBuffer[] bufs, int max) throws IOException {
        int limit = Math.min(max, bufs.length);
        if (limit <= 0) {
            return 0;
        }
        gen.guard.enter();
        try {
            int n = drain(bufs, 0, limit);
            if (n > 0) {
                return n;
            }
            boolean polled = false;
            while (true) {
                int want = Math.min(MESSAGES, limit);
                prepare(want);
                int r = Libc.recvmmsgFast(fd, msgs.address(), want, MSG_DONTWAIT, 0L);
                if (r < 0) {
                    if (!polled) {
                        // Nothing queued (EAGAIN, the one expected failure): wait without asking errno.
                        poller.await(fd, POLLIN, gen.wakeFd, -1);
                        polled = true;
                        continue;
                    }
                    // Failed right after poll reported the socket ready: repeat, capturing errno.
                    prepare(want);
                    r = Libc.recvmmsg(state, fd, msgs.address(), want, MSG_DONTWAIT, 0L);
                    if (r < 0) {
                        int e = Libc.errno(state);
                        if (e == Errno.EAGAIN || e == Errno.EINTR || isTransient(e)) {
                            polled = false;
                            continue;
                        }
                        throw Errno.exception("recvmmsg", e);
                    }
                }
                polled = false;
                msgCount = r;
                curMsg = 0;
                curOff = 0;
                curLen = -1;
                n = drain(bufs, 0, limit);
                if (n > 0) {
                    return n;
                }
            }
        } finally {
            gen.guard.exit();
        }
    }

    /** Resets the fields the kernel overwrites in the first {@code want} message headers. */
    private void prepare(int want) {
        for (int i = 0; i < want; i++) {
            long m = (long) i * MMSGHDR_SIZE;
            msgs.set(Libc.INT, m + MSG_NAMELEN, SOCKADDR_IN6_SIZE);
            msgs.set(Libc.LONG, m + MSG_CONTROLLEN, CONTROL_SLOT);
            msgs.set(Libc.INT, m + MSG_FLAGS, 0);
        }
    }

    /**
     * Errors a socket reports once and then clears (a queued ICMP error, memory pressure): the next call works,
     * so they must not end the receive loop.
     */
    private static boolean isTransient(int errno) {
        return switch (errno) {
            case Errno.ECONNREFUSED, Errno.EHOSTUNREACH, Errno.ENETUNREACH, Errno.ECONNRESET, Errno.ENOMEM,
                 Errno.ENOBUFS, Errno.EPERM -> true;
            default -> false;
        };
    }

    /** Copies pending segments into {@code bufs[n..limit)}; returns the new fill count. */
    private int drain(PacketBuffer[] bufs, int n, int limit) {
        while (curMsg < msgCount && n < limit) {
            long m = (long) curMsg * MMSGHDR_SIZE;
            if (curLen < 0) {
                curLen = msgs.get(Libc.INT, m + MMSG_LEN);
                curOff = 0;
                curGso = groSize(curMsg);
                if ((msgs.get(Libc.INT, m + MSG_FLAGS) & MSG_TRUNC) != 0 || curLen < 0 || curLen > SLOT) {
                    nextMessage();
                    continue;
                }
                if (curGso <= 0 || curGso > curLen) {
                    curGso = Math.max(curLen, 1);
                } else if (curGso < curLen) {
                    groMessages++;
                }
            }
            int segLen = Math.min(curGso, curLen - curOff);
            PacketBuffer b = bufs[n];
            if (segLen <= b.capacity()) {
                MemorySegment.copy(staging, (long) curMsg * SLOT + curOff, b.memory(), 0, segLen);
                b.set(0, segLen);
                long name = (long) curMsg * NAME_SLOT;
                int family = SockAddr.family(names, name);
                b.setSource(names, name + SockAddr.addressOffset(family), SockAddr.addressLength(family),
                        SockAddr.port(names, name));
                datagrams++;
                n++;
            }
            curOff += segLen;
            if (curOff >= curLen) {
                nextMessage();
            }
        }
        return n;
    }

    private void nextMessage() {
        curMsg++;
        curLen = -1;
        curOff = 0;
    }

    /** The UDP_GRO segment size in message {@code i}'s control data, or 0. */
    private int groSize(int i) {
        long base = (long) i * CONTROL_SLOT;
        long len = msgs.get(Libc.LONG, (long) i * MMSGHDR_SIZE + MSG_CONTROLLEN);
        long p = 0;
        while (p + CMSG_HDR_SIZE <= len && p + CMSG_HDR_SIZE <= CONTROL_SLOT) {
            long clen = controls.get(Libc.LONG, base + p + CMSG_LEN_OFF);
            if (clen < CMSG_HDR_SIZE || p + clen > CONTROL_SLOT) {
                return 0;
            }
            if (controls.get(Libc.INT, base + p + CMSG_LEVEL_OFF) == SOL_UDP
                    && controls.get(Libc.INT, base + p + CMSG_TYPE_OFF) == UDP_GRO && clen >= CMSG_HDR_SIZE + 4) {
                return controls.get(Libc.INT, base + p + CMSG_HDR_SIZE);
            }
            p += (clen + 7) & ~7L;
        }
        return 0;
    }

    /** Datagrams delivered so far (segments of GRO'd messages count one each). */
    long datagrams() {
        return datagrams;
    }

    /** Messages that arrived coalesced by GRO (more than one segment). */
    long groMessages() {
        return groMessages;
    }
}
