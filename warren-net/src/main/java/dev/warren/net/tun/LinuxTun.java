package dev.warren.net.tun;

import dev.warren.net.linux.CloseGuard;
import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.net.linux.Poller;
import dev.warren.net.linux.RateLimitedLog;
import dev.warren.net.offload.GsoSplitter;
import dev.warren.net.offload.TcpCoalescer;
import dev.warren.net.offload.VirtioNetHdr;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.ReentrantLock;

import static dev.warren.net.linux.LinuxConstants.AF_INET;
import static dev.warren.net.linux.LinuxConstants.AF_INET6;
import static dev.warren.net.linux.LinuxConstants.IFF_NO_PI;
import static dev.warren.net.linux.LinuxConstants.IFF_TUN;
import static dev.warren.net.linux.LinuxConstants.IFF_VNET_HDR;
import static dev.warren.net.linux.LinuxConstants.IFNAMSIZ;
import static dev.warren.net.linux.LinuxConstants.IFREQ_FLAGS;
import static dev.warren.net.linux.LinuxConstants.IFREQ_MTU;
import static dev.warren.net.linux.LinuxConstants.IFREQ_SIZE;
import static dev.warren.net.linux.LinuxConstants.IOVEC_SIZE;
import static dev.warren.net.linux.LinuxConstants.IOV_BASE;
import static dev.warren.net.linux.LinuxConstants.IOV_LEN;
import static dev.warren.net.linux.LinuxConstants.O_CLOEXEC;
import static dev.warren.net.linux.LinuxConstants.O_NONBLOCK;
import static dev.warren.net.linux.LinuxConstants.O_RDWR;
import static dev.warren.net.linux.LinuxConstants.POLLERR;
import static dev.warren.net.linux.LinuxConstants.POLLHUP;
import static dev.warren.net.linux.LinuxConstants.POLLIN;
import static dev.warren.net.linux.LinuxConstants.POLLNVAL;
import static dev.warren.net.linux.LinuxConstants.SIOCGIFMTU;
import static dev.warren.net.linux.LinuxConstants.SOCK_CLOEXEC;
import static dev.warren.net.linux.LinuxConstants.SOCK_DGRAM;
import static dev.warren.net.linux.LinuxConstants.TUNSETIFF;
import static dev.warren.net.linux.LinuxConstants.TUNSETOFFLOAD;
import static dev.warren.net.linux.LinuxConstants.TUNSETVNETHDRSZ;
import static dev.warren.net.linux.LinuxConstants.TUN_F_CSUM;
import static dev.warren.net.linux.LinuxConstants.TUN_F_TSO4;
import static dev.warren.net.linux.LinuxConstants.TUN_F_TSO6;
import static dev.warren.net.linux.LinuxConstants.TUN_F_USO4;
import static dev.warren.net.linux.LinuxConstants.TUN_F_USO6;

/**
 * A Linux TUN interface ({@code /dev/net/tun}, {@code IFF_TUN|IFF_NO_PI}) through FFM, with the kernel's
 * segmentation offloads when available ({@code IFF_VNET_HDR} + {@code TUNSETOFFLOAD(CSUM|TSO4|TSO6[|USO4|USO6])}).
 *
 * <p><b>Read pipeline</b> (one thread): 1. {@code read(2)} a packet (non-blocking fd; on {@code EAGAIN} poll the
 * fd and the close eventfd) 2. with offloads: parse the virtio header and {@link GsoSplitter#plan plan} the
 * split; a malformed packet is counted and dropped 3. write each ≤MSS segment into the caller's next buffer at
 * {@link PacketBuffer#HEADROOM} (completing partial checksums) 4. keep reading without blocking until the batch
 * is full or the fd is drained. When a super-packet splits into more segments than the caller has buffers,
 * the rest <em>stays pending</em> in the read buffer and is delivered first by the next call (which then
 * returns without blocking). Without offloads each packet is read straight into the caller's buffer.
 *
 * <p><b>Write pipeline</b> (serialised by {@link #writeLock}): 1. {@link TcpCoalescer} groups the batch into
 * TCP super-packets 2. a group of one goes out with a zero virtio header written into its own headroom (no
 * copy) 3. a larger group goes out as one {@code writev}: the merged header from a scratch buffer, then each
 * member's payload in place 4. if the kernel refuses a super-packet ({@code EINVAL}) its members are written one
 * by one. Per-packet errors drop the packet (counted, logged at most once a second); {@code EBADFD} — the link
 * was deleted — throws {@link ClosedChannelException}.
 *
 * <p><b>Closing</b>: {@link #close()} signals an eventfd that a blocked read polls on; the read throws
 * {@link ClosedChannelException}. The descriptors and native memory are released by a {@link CloseGuard} only
 * after every thread has left {@code read}/{@code write}/{@code mtu}. Deleting the link ({@code ip link del})
 * makes poll report {@code POLLERR} and {@code read} fail with {@code EBADFD}: also a
 * {@link ClosedChannelException}.
 *
 * <p><b>Concurrency</b>: {@link #read} from one thread; {@link #write} from any (serialised); {@link #mtu} from
 * any (one refresh at a time via {@link #mtuLock}, otherwise the cached value). Lock order: writeLock and
 * mtuLock are never held together. Steady-state read and write allocate nothing.
 */
public final class LinuxTun implements TunDevice {
    private static final System.Logger LOG = System.getLogger(LinuxTun.class.getName());
    /** Packets one read returns at most, and the batch the write path coalesces at once. */
    public static final int BATCH_SIZE = TcpCoalescer.MAX_PACKETS;
    private static final int READ_BUFFER = VirtioNetHdr.SIZE + 65535 + 1;
    private static final long MTU_REFRESH_NANOS = 1_000_000_000L;
    private static final int MAX_IOV = 1 + TcpCoalescer.MAX_SEGMENTS;

    private final String name;
    private final int fd;
    private final int wakeFd;
    private final int ctlSock;
    private final boolean vnetHdr;
    private final boolean udpOffload;
    private final Arena arena;
    private final CloseGuard guard;
    private final Poller closeSignal;
    private final MemorySegment releaseState;
    private final RateLimitedLog dropLog = new RateLimitedLog(LOG, 1000);
    private final String malformedMessage;
    private final String refusedMessage;
    private final String writeDropMessage;

    // Reader side: confined to the one reading thread.
    private final MemorySegment readState;
    private final Poller readPoller;
    private final MemorySegment readBuf;
    private final GsoSplitter splitter = new GsoSplitter();
    private int pendingNext = -1; // next segment of the packet in readBuf to deliver; -1: nothing pending
    private long superPacketsRead;
    private long segmentsRead;
    private long readDrops;

    private final ReentrantLock writeLock = new ReentrantLock();
    private final MemorySegment writeState;       // guarded by writeLock
    private final MemorySegment iov;              // guarded by writeLock
    private final MemorySegment headerScratch;    // guarded by writeLock
    private final MemorySegment copyScratch;      // guarded by writeLock; only for non-native buffers
    private final TcpCoalescer coalescer = new TcpCoalescer(); // guarded by writeLock
    private long superPacketsWritten;             // guarded by writeLock
    private long packetsCoalesced;                // guarded by writeLock
    private long writeDrops;                      // guarded by writeLock

    private final ReentrantLock mtuLock = new ReentrantLock();
    private final MemorySegment mtuState;         // guarded by mtuLock
    private final MemorySegment ifreq;            // guarded by mtuLock
    private volatile int mtu;
    private volatile long mtuFetchedAt;

    private LinuxTun(Arena arena, String name, int fd, boolean vnetHdr, boolean udpOffload) throws IOException {
        this.arena = arena;
        this.name = name;
        this.fd = fd;
        this.vnetHdr = vnetHdr;
        this.udpOffload = udpOffload;
        this.malformedMessage = "dropped a malformed packet read from TUN " + name;
        this.refusedMessage = "TUN " + name + " refused a super-packet; writing its packets singly";
        this.writeDropMessage = "TUN " + name + " dropped a written packet";
        this.releaseState = Libc.newCallState(arena);
        this.readState = Libc.newCallState(arena);
        this.readPoller = new Poller(arena);
        this.closeSignal = new Poller(arena);
        this.readBuf = vnetHdr ? arena.allocate(READ_BUFFER, 64) : MemorySegment.NULL;
        this.writeState = Libc.newCallState(arena);
        this.iov = arena.allocate((long) MAX_IOV * IOVEC_SIZE, 8);
        this.headerScratch = arena.allocate(TcpCoalescer.MAX_HEADER_BYTES, 8);
        this.copyScratch = arena.allocate(READ_BUFFER, 64);
        this.mtuState = Libc.newCallState(arena);
        this.ifreq = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment nameBytes = arena.allocateFrom(name);
        MemorySegment.copy(nameBytes, 0, ifreq, 0, Math.min(nameBytes.byteSize(), IFNAMSIZ - 1));
        int wake = -1;
        int ctl = -1;
        try {
            wake = Poller.newEventFd(releaseState);
            ctl = Libc.socket(releaseState, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (ctl < 0) {
                ctl = Libc.socket(releaseState, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            }
            if (ctl < 0) {
                throw Errno.exception("socket(SIOCGIFMTU)", Libc.errno(releaseState));
            }
            this.wakeFd = wake;
            this.ctlSock = ctl;
            if (fetchMtu() < 0) {
                throw Errno.exception("ioctl(SIOCGIFMTU)", Libc.errno(mtuState));
            }
        } catch (IOException e) {
            // The caller closes the arena.
            Libc.closeQuietly(releaseState, fd);
            Libc.closeQuietly(releaseState, wake);
            Libc.closeQuietly(releaseState, ctl);
            throw e;
        }
        this.guard = new CloseGuard(this::release);
    }

    /**
     * Creates (or attaches to) TUN interface {@code name} ({@code "wg%d"} style patterns work) in the current
     * network namespace. With {@code offloads}, tries {@code IFF_VNET_HDR} and TSO/USO and falls back to plain
     * mode when the kernel refuses. The interface is left down and unconfigured.
     *
     * @return the device; {@link #name()} is the name the kernel actually gave
     */
    public static LinuxTun create(String name, boolean offloads) throws IOException {
        if (!Libc.isLinux64()) {
            throw new IOException("LinuxTun needs 64-bit Linux");
        }
        if (name == null || name.isEmpty() || name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name must have 1.." + (IFNAMSIZ - 1) + " characters: " + name);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment st = Libc.newCallState(arena);
            if (offloads) {
                TunFd t = null;
                String failure;
                try {
                    t = openTun(arena, st, name, true);
                    failure = setupOffloads(arena, st, t.fd());
                } catch (Errno.NativeException e) {
                    if (e.errno() != Errno.EINVAL) {
                        throw e; // EPERM, EBUSY...: plain mode would fail the same way
                    }
                    failure = e.getMessage(); // IFF_VNET_HDR refused (or an existing device without it)
                } catch (RuntimeException e) {
                    if (t != null) {
                        Libc.closeQuietly(st, t.fd());
                    }
                    throw e;
                }
                if (failure == null || failure.isEmpty()) {
                    return new LinuxTun(arena, t.name(), t.fd(), true, failure == null);
                }
                if (t != null) {
                    Libc.closeQuietly(st, t.fd());
                }
                LOG.log(System.Logger.Level.WARNING, "TUN offloads unavailable (" + failure + "); using plain mode");
            }
            TunFd t = openTun(arena, st, name, false);
            return new LinuxTun(arena, t.name(), t.fd(), false, false);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record TunFd(int fd, String name) {
    }

    private static TunFd openTun(Arena arena, MemorySegment st, String name, boolean vnet) throws IOException {
        int fd = Libc.open(st, arena.allocateFrom("/dev/net/tun"), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) {
            throw Errno.exception("open(/dev/net/tun)", Libc.errno(st));
        }
        MemorySegment req = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment nameBytes = arena.allocateFrom(name);
        MemorySegment.copy(nameBytes, 0, req, 0, nameBytes.byteSize());
        req.set(Libc.SHORT, IFREQ_FLAGS, (short) (IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0)));
        if (Libc.ioctl(st, fd, TUNSETIFF, req) < 0) {
            int e = Libc.errno(st);
            Libc.close(st, fd);
            throw Errno.exception("ioctl(TUNSETIFF)", e);
        }
        return new TunFd(fd, req.getString(0));
    }

    /** Returns null when TSO and USO are on, "" when only TSO is, else why offloads failed. */
    private static String setupOffloads(Arena arena, MemorySegment st, int fd) {
        MemorySegment size = arena.allocate(4, 4);
        size.set(Libc.INT, 0, VirtioNetHdr.SIZE);
        if (Libc.ioctl(st, fd, TUNSETVNETHDRSZ, size) < 0) {
            return Errno.describe("ioctl(TUNSETVNETHDRSZ)", Libc.errno(st));
        }
        int tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (Libc.ioctl(st, fd, TUNSETOFFLOAD, (long) (tso | TUN_F_USO4 | TUN_F_USO6)) == 0) {
            return null;
        }
        if (Libc.ioctl(st, fd, TUNSETOFFLOAD, (long) tso) == 0) {
            return "";
        }
        return Errno.describe("ioctl(TUNSETOFFLOAD)", Libc.errno(st));
    }

    @Override
    public String name() {
        return name;
    }

    /** True when the device runs with the virtio header and TCP segmentation offload. */
    public boolean offloads() {
        return vnetHdr;
    }

    /** True when the kernel also accepted UDP segmentation offload (USO4/USO6). */
    public boolean udpOffloads() {
        return udpOffload;
    }

    @Override
    public int batchSize() {
        return BATCH_SIZE;
    }

    // ---------------------------------------------------------------- read

    @Override
    public int read(PacketBuffer[] bufs, int max) throws IOException {
        int limit = Math.min(max, bufs.length);
        if (limit <= 0) {
            return 0;
        }
        guard.enter();
        try {
            int n = 0;
            if (pendingNext >= 0) {
                n = deliver(bufs, 0, limit);
                if (pendingNext >= 0) {
                    return n;
                }
            }
            boolean polled = false;
            boolean pollError = false;
            while (n < limit) {
                PacketBuffer direct = null;
                long addr;
                long len;
                if (vnetHdr) {
                    addr = readBuf.address();
                    len = READ_BUFFER;
                } else {
                    direct = bufs[n];
                    if (!direct.memory().isNative() || room(direct) == 0) {
                        throw new IllegalArgumentException("packet buffers must be native and larger than head+tailroom");
                    }
                    addr = direct.memory().address() + PacketBuffer.HEADROOM;
                    len = room(direct);
                }
                long r = Libc.readFast(fd, addr, len);
                if (r < 0) {
                    if (n > 0) {
                        return n; // drained (EAGAIN is the expected failure; anything else shows up next call)
                    }
                    if (!polled) {
                        int revents = readPoller.await(fd, POLLIN, wakeFd, -1);
                        pollError = (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
                        polled = true;
                        continue;
                    }
                    // Failed right after poll reported readiness or an error: repeat, capturing errno.
                    r = readOnce(addr, len);
                    if (r < 0) {
                        int e = (int) -r;
                        if (e == Errno.EBADFD || e == Errno.EBADF) {
                            throw new ClosedChannelException(); // the link was deleted
                        }
                        if (e == Errno.EAGAIN || e == Errno.EINTR) {
                            if (pollError) {
                                throw new ClosedChannelException(); // the device is gone but read does not say so
                            }
                            polled = false;
                            continue;
                        }
                        throw Errno.exception("read(" + name + ")", e);
                    }
                }
                polled = false;
                if (!vnetHdr) {
                    if (r == 0 || r > room(direct)) {
                        readDrops++;
                        continue;
                    }
                    direct.set(PacketBuffer.HEADROOM, (int) r);
                    segmentsRead++;
                    n++;
                    continue;
                }
                if (r <= VirtioNetHdr.SIZE || r >= READ_BUFFER
                        || splitter.plan(readBuf, 0, readBuf, VirtioNetHdr.SIZE, (int) r - VirtioNetHdr.SIZE) < 1) {
                    readDrops++;
                    dropLog.log(System.Logger.Level.DEBUG, malformedMessage, name);
                    continue;
                }
                if (splitter.isGso()) {
                    superPacketsRead++;
                }
                pendingNext = 0;
                n = deliver(bufs, n, limit);
                if (pendingNext >= 0) {
                    break;
                }
            }
            return n;
        } finally {
            guard.exit();
        }
    }

    private static int room(PacketBuffer b) {
        return Math.max(0, b.capacity() - PacketBuffer.HEADROOM - PacketBuffer.TAILROOM);
    }

    /** Writes pending segments into {@code bufs[n..limit)}; returns the new fill count. */
    private int deliver(PacketBuffer[] bufs, int n, int limit) {
        int segments = splitter.segments();
        while (pendingNext < segments && n < limit) {
            int len = splitter.segmentLength(pendingNext);
            PacketBuffer b = bufs[n];
            if (len > room(b)) {
                readDrops++;
                pendingNext++;
                continue;
            }
            splitter.writeSegment(readBuf, VirtioNetHdr.SIZE, pendingNext, b.memory(), PacketBuffer.HEADROOM);
            b.set(PacketBuffer.HEADROOM, len);
            segmentsRead++;
            pendingNext++;
            n++;
        }
        if (pendingNext >= segments) {
            pendingNext = -1;
        }
        return n;
    }

    // ---------------------------------------------------------------- write

    @Override
    public void write(PacketBuffer[] bufs, int from, int count) throws IOException {
        if (count <= 0) {
            return;
        }
        writeLock.lock();
        try {
            guard.enter();
            try {
                if (!vnetHdr) {
                    for (int i = from; i < from + count; i++) {
                        writePlain(bufs[i]);
                    }
                    return;
                }
                for (int c = 0; c < count; c += TcpCoalescer.MAX_PACKETS) {
                    writeBatchLocked(bufs, from + c, Math.min(TcpCoalescer.MAX_PACKETS, count - c));
                }
            } finally {
                guard.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void writeBatchLocked(PacketBuffer[] bufs, int from, int count) throws IOException {
        int groups = coalescer.coalesce(bufs, from, count);
        for (int g = 0; g < groups; g++) {
            int first = coalescer.groupFirst(g);
            if (coalescer.groupSize(g) == 1) {
                writeSingleLocked(bufs[from + first]);
                continue;
            }
            boolean nativeMembers = true;
            int hl = coalescer.writeGroupHeader(g, headerScratch, 0);
            iov.set(Libc.LONG, IOV_BASE, headerScratch.address());
            iov.set(Libc.LONG, IOV_LEN, hl);
            int k = 1;
            for (int p = first; p >= 0; p = coalescer.nextInGroup(p), k++) {
                PacketBuffer b = bufs[from + p];
                nativeMembers &= b.memory().isNative();
                iov.set(Libc.LONG, (long) k * IOVEC_SIZE + IOV_BASE,
                        b.memory().address() + b.offset() + coalescer.payloadOffset(p));
                iov.set(Libc.LONG, (long) k * IOVEC_SIZE + IOV_LEN, coalescer.payloadLength(p));
            }
            long r;
            if (nativeMembers) {
                r = writevOnce(iov.address(), k);
            } else {
                int len = coalescer.writeGroup(g, copyScratch, 0);
                r = writeOnce(copyScratch.address(), len);
            }
            if (r >= 0) {
                superPacketsWritten++;
                packetsCoalesced += coalescer.groupSize(g);
                continue;
            }
            int e = (int) -r;
            if (e == Errno.EBADFD || e == Errno.EBADF) {
                throw new ClosedChannelException();
            }
            dropLog.log(System.Logger.Level.WARNING, refusedMessage, Errno.name(e));
            for (int p = first; p >= 0; p = coalescer.nextInGroup(p)) {
                writeSingleLocked(bufs[from + p]);
            }
        }
    }

    /** One packet with a zero virtio header, written from the buffer's own headroom when possible. */
    private void writeSingleLocked(PacketBuffer b) throws IOException {
        MemorySegment m = b.memory();
        long r;
        if (m.isNative() && b.offset() >= VirtioNetHdr.SIZE) {
            VirtioNetHdr.writeEmpty(m, b.offset() - VirtioNetHdr.SIZE);
            r = writeOnce(m.address() + b.offset() - VirtioNetHdr.SIZE, b.length() + VirtioNetHdr.SIZE);
        } else {
            VirtioNetHdr.writeEmpty(copyScratch, 0);
            int len = Math.min(b.length(), READ_BUFFER - VirtioNetHdr.SIZE);
            MemorySegment.copy(m, b.offset(), copyScratch, VirtioNetHdr.SIZE, len);
            r = writeOnce(copyScratch.address(), len + VirtioNetHdr.SIZE);
        }
        checkWrite(r);
    }

    private void writePlain(PacketBuffer b) throws IOException {
        MemorySegment m = b.memory();
        long r;
        if (m.isNative()) {
            r = writeOnce(m.address() + b.offset(), b.length());
        } else {
            int len = Math.min(b.length(), READ_BUFFER);
            MemorySegment.copy(m, b.offset(), copyScratch, 0, len);
            r = writeOnce(copyScratch.address(), len);
        }
        checkWrite(r);
    }

    private void checkWrite(long r) throws IOException {
        if (r >= 0) {
            return;
        }
        int e = (int) -r;
        if (e == Errno.EBADFD || e == Errno.EBADF) {
            throw new ClosedChannelException();
        }
        writeDrops++;
        dropLog.log(System.Logger.Level.DEBUG, writeDropMessage, Errno.name(e));
    }

    // The downcalls of the packet path. The hot path calls the non-capturing variants; these helpers are the
    // slow path that learns errno (the capturing linker may allocate a call-state slice per call).

    /** {@code read(2)} capturing errno: the byte count or {@code -errno}. Reader thread only; slow path. */
    private long readOnce(long addr, long len) {
        long r = Libc.read(readState, fd, addr, len);
        return r >= 0 ? r : -Libc.errno(readState);
    }

    /**
     * {@code write(2)}; the byte count or {@code -errno}. Caller holds writeLock. A failed write wrote nothing, so
     * it is repeated with errno capture to learn why (see {@link Libc}'s fast path).
     */
    private long writeOnce(long addr, long len) {
        long r = Libc.writeFast(fd, addr, len);
        if (r >= 0) {
            return r;
        }
        r = Libc.write(writeState, fd, addr, len);
        return r >= 0 ? r : -Libc.errno(writeState);
    }

    /** {@code writev(2)} of the first {@code count} entries of {@link #iov}, like {@link #writeOnce}. */
    private long writevOnce(long iovAddr, int count) {
        long r = Libc.writevFast(fd, iovAddr, count);
        if (r >= 0) {
            return r;
        }
        r = Libc.writev(writeState, fd, iovAddr, count);
        return r >= 0 ? r : -Libc.errno(writeState);
    }

    // ---------------------------------------------------------------- MTU

    /**
     * The interface MTU via {@code SIOCGIFMTU}, cached and refreshed at most once a second, so a change with
     * {@code ip link set mtu} shows up within about a second.
     */
    @Override
    public int mtu() {
        long now = System.nanoTime(); // I/O-level cache age, not protocol logic: no injected clock needed
        if (now - mtuFetchedAt > MTU_REFRESH_NANOS && mtuLock.tryLock()) {
            try {
                if (now - mtuFetchedAt > MTU_REFRESH_NANOS) {
                    guard.enter();
                    try {
                        fetchMtu();
                    } finally {
                        guard.exit();
                    }
                }
            } catch (ClosedChannelException closed) {
                // closed: keep the last value
            } finally {
                mtuLock.unlock();
            }
        }
        return mtu;
    }

    /** Reads the MTU into the cache; returns it or -1 (errno in mtuState). Caller holds mtuLock or is the constructor. */
    private int fetchMtu() {
        mtuFetchedAt = System.nanoTime();
        if (Libc.ioctl(mtuState, ctlSock, SIOCGIFMTU, ifreq) < 0) {
            return -1;
        }
        int v = ifreq.get(Libc.INT, IFREQ_MTU);
        mtu = v;
        return v;
    }

    // ---------------------------------------------------------------- statistics

    /** GSO super-packets read from the kernel (read thread's counter; approximate from elsewhere). */
    public long superPacketsRead() {
        return superPacketsRead;
    }

    /** IP packets handed to callers of {@link #read}. */
    public long packetsRead() {
        return segmentsRead;
    }

    /** Super-packets written to the kernel, and the packets they carried. */
    public long superPacketsWritten() {
        return superPacketsWritten;
    }

    public long packetsCoalesced() {
        return packetsCoalesced;
    }

    /** Packets dropped on read (malformed, too large for the buffer) and on write (refused by the kernel). */
    public long drops() {
        return readDrops + writeDrops;
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        guard.close(() -> closeSignal.signal(wakeFd));
    }

    private void release() {
        Libc.closeQuietly(releaseState, fd);
        Libc.closeQuietly(releaseState, wakeFd);
        Libc.closeQuietly(releaseState, ctlSock);
        arena.close();
    }

    @Override
    public String toString() {
        return "LinuxTun[" + name + (vnetHdr ? ", offloads" + (udpOffload ? "+uso" : "") : ", plain") + "]";
    }
}
