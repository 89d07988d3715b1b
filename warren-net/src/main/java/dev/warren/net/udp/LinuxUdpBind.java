package dev.warren.net.udp;

import dev.warren.net.linux.CloseGuard;
import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.net.linux.Poller;
import dev.warren.net.linux.Syscalls;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.MpmcRing;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import static dev.warren.net.linux.LinuxConstants.AF_INET;
import static dev.warren.net.linux.LinuxConstants.AF_INET6;
import static dev.warren.net.linux.LinuxConstants.IPPROTO_IPV6;
import static dev.warren.net.linux.LinuxConstants.IPV6_V6ONLY;
import static dev.warren.net.linux.LinuxConstants.SOCKADDR_IN6_SIZE;
import static dev.warren.net.linux.LinuxConstants.SOCK_CLOEXEC;
import static dev.warren.net.linux.LinuxConstants.SOCK_DGRAM;
import static dev.warren.net.linux.LinuxConstants.SOCK_NONBLOCK;
import static dev.warren.net.linux.LinuxConstants.SOL_SOCKET;
import static dev.warren.net.linux.LinuxConstants.SOL_UDP;
import static dev.warren.net.linux.LinuxConstants.SO_MARK;
import static dev.warren.net.linux.LinuxConstants.SO_RCVBUF;
import static dev.warren.net.linux.LinuxConstants.SO_RCVBUFFORCE;
import static dev.warren.net.linux.LinuxConstants.SO_SNDBUF;
import static dev.warren.net.linux.LinuxConstants.SO_SNDBUFFORCE;
import static dev.warren.net.linux.LinuxConstants.UDP_GRO;
import static dev.warren.net.linux.LinuxConstants.UDP_SEGMENT;

/**
 * The Linux {@link Bind}: one non-blocking IPv4 and one IPv6-only UDP socket on the same port, driven through
 * FFM with {@code recvmmsg}/{@code sendmmsg} and the kernel's UDP offloads — {@code UDP_GRO} on receive (one
 * message may carry up to 64 KiB of equal-sized datagrams; see {@link UdpReceiver}) and {@code UDP_SEGMENT}
 * (GSO) on send (see {@link UdpSender}). Socket buffers are forced to 7 MiB ({@code SO_RCVBUFFORCE}, needs
 * {@code CAP_NET_ADMIN}; otherwise {@code SO_RCVBUF}, capped by {@code net.core.rmem_max}).
 *
 * <p>Lifecycle: {@link #open} creates a <em>generation</em> of sockets, an eventfd and per-socket receivers;
 * {@link #close()} signals the eventfd so blocked receivers throw {@link ClosedChannelException}, and the
 * generation's {@link CloseGuard} closes the descriptors once no thread is inside a call. {@code open} may be
 * called again afterwards (a device changes its listen port that way); the old receivers stay closed.
 * With port 0 the IPv6 socket takes the IPv4 socket's port, retrying a few times when that port is taken
 * for IPv6. If one address family is unavailable the bind runs with the other.
 *
 * <p>Concurrency: {@link #send} from any number of threads, each taking a pooled {@link UdpSender}; one thread
 * per receiver. {@link #lock} serialises open/close/setMark; lock order: lock, then a generation's guard.
 * Steady-state send and receive allocate nothing.
 */
public final class LinuxUdpBind implements Bind {
    private static final System.Logger LOG = System.getLogger(LinuxUdpBind.class.getName());
    /** Datagrams one send or receive call handles efficiently. */
    public static final int BATCH_SIZE = 128;
    static final int SOCKET_BUFFER_BYTES = 7 << 20;
    private static final int PORT_ATTEMPTS = 10;

    private final Object lock = new Object();
    private volatile Generation gen; // written under lock
    private int mark;                // guarded by lock
    private final MpmcRing<UdpSender> senders = new MpmcRing<>(16);

    /** True on 64-bit Linux where the system call bindings load. */
    public static boolean isSupported() {
        if (!Libc.isLinux64()) {
            return false;
        }
        try {
            Class.forName(Syscalls.class.getName(), true, LinuxUdpBind.class.getClassLoader());
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public Opened open(int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range");
        }
        synchronized (lock) {
            if (gen != null) {
                throw new IllegalStateException("bind already open on port " + gen.port + "; close it first");
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    Generation g = Generation.open(port, mark);
                    gen = g;
                    return new Opened(List.copyOf(g.receivers), g.port);
                } catch (Errno.NativeException e) {
                    if (port != 0 || e.errno() != Errno.EADDRINUSE || attempt >= PORT_ATTEMPTS) {
                        if (e.errno() == Errno.EADDRINUSE) {
                            // the type callers (and the UAPI's EADDRINUSE) recognise a busy port by
                            java.net.BindException b = new java.net.BindException(e.getMessage());
                            b.initCause(e);
                            throw b;
                        }
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        if (count <= 0) {
            return;
        }
        Generation g = gen;
        if (g == null) {
            throw new ClosedChannelException();
        }
        g.guard.enter();
        UdpSender sender = senders.poll();
        if (sender == null) {
            sender = new UdpSender(); // only while more threads send at once than ever before
        }
        try {
            Socket s = to.isIpv4() ? g.v4 : g.v6;
            if (s == null) {
                throw new IOException("cannot send to " + to + ": this bind has no IPv" + (to.isIpv4() ? "4" : "6") + " socket");
            }
            sender.send(g, s, bufs, from, count, to);
        } finally {
            senders.offer(sender);
            g.guard.exit();
        }
    }

    @Override
    public void setMark(int mark) throws IOException {
        synchronized (lock) {
            this.mark = mark;
            Generation g = gen;
            if (g != null) {
                g.guard.enter();
                try {
                    g.applyMark(mark);
                } finally {
                    g.guard.exit();
                }
            }
        }
    }

    @Override
    public int batchSize() {
        return BATCH_SIZE;
    }

    @Override
    public void close() {
        Generation g;
        synchronized (lock) {
            g = gen;
            gen = null;
        }
        if (g != null) {
            g.close();
        }
    }

    /** The bound port, or -1 when closed. */
    public int port() {
        Generation g = gen;
        return g == null ? -1 : g.port;
    }

    /** Whether UDP GSO is in use on the socket of the given family (false when closed or absent). */
    public boolean gsoEnabled(boolean ipv6) {
        Generation g = gen;
        Socket s = g == null ? null : ipv6 ? g.v6 : g.v4;
        return s != null && s.gso;
    }

    /** Whether UDP GRO was enabled on the socket of the given family. */
    public boolean groEnabled(boolean ipv6) {
        Generation g = gen;
        Socket s = g == null ? null : ipv6 ? g.v6 : g.v4;
        return s != null && s.gro;
    }

    /** Messages received coalesced by GRO (more than one datagram) in the current generation; approximate. */
    public long groMessagesReceived() {
        Generation g = gen;
        long n = 0;
        if (g != null) {
            for (UdpReceiver r : g.receivers) {
                n += r.groMessages();
            }
        }
        return n;
    }

    /** One socket of a generation. */
    static final class Socket {
        final int fd;
        final boolean v6;
        final boolean gro;
        volatile boolean gso;

        Socket(int fd, boolean v6, boolean gso, boolean gro) {
            this.fd = fd;
            this.v6 = v6;
            this.gso = gso;
            this.gro = gro;
        }
    }

    /** The sockets, eventfd and receivers of one open..close cycle. */
    static final class Generation {
        final Socket v4;
        final Socket v6;
        final int port;
        final int wakeFd;
        final CloseGuard guard;
        final List<UdpReceiver> receivers = new ArrayList<>(2);
        private final Arena arena;
        private final MemorySegment state;
        private final Poller signal;
        private final List<Long> mappings = new ArrayList<>(2);

        private Generation(Arena arena, MemorySegment state, Socket v4, Socket v6, int port, int wakeFd) {
            this.arena = arena;
            this.state = state;
            this.v4 = v4;
            this.v6 = v6;
            this.port = port;
            this.wakeFd = wakeFd;
            this.signal = new Poller(arena);
            this.guard = new CloseGuard(this::release);
        }

        static Generation open(int port, int mark) throws IOException {
            Arena arena = Arena.ofShared();
            MemorySegment st = Libc.newCallState(arena);
            int fd4 = -1;
            int fd6 = -1;
            int wake = -1;
            Generation g = null;
            try {
                fd4 = newSocket(st, false);
                int bound = port;
                if (fd4 >= 0) {
                    bind(arena, st, fd4, false, port);
                    bound = localPort(arena, st, fd4);
                }
                fd6 = newSocket(st, true);
                if (fd6 >= 0) {
                    MemorySegment one = arena.allocate(4, 4);
                    one.set(Libc.INT, 0, 1);
                    if (Libc.setsockopt(st, fd6, IPPROTO_IPV6, IPV6_V6ONLY, one, 4) < 0) {
                        throw Errno.exception("setsockopt(IPV6_V6ONLY)", Libc.errno(st));
                    }
                    try {
                        bind(arena, st, fd6, true, bound);
                        if (fd4 < 0) {
                            bound = localPort(arena, st, fd6);
                        }
                    } catch (Errno.NativeException e) {
                        if (fd4 >= 0 && (e.errno() == Errno.EADDRNOTAVAIL || e.errno() == Errno.EAFNOSUPPORT)) {
                            LOG.log(System.Logger.Level.INFO, "IPv6 unavailable (" + e.getMessage() + "); IPv4 only");
                            Libc.close(st, fd6);
                            fd6 = -1;
                        } else {
                            throw e;
                        }
                    }
                }
                if (fd4 < 0 && fd6 < 0) {
                    throw new IOException("neither IPv4 nor IPv6 UDP sockets are available");
                }
                wake = Poller.newEventFd(st);
                Socket s4 = fd4 < 0 ? null : configure(arena, st, fd4, false, mark);
                Socket s6 = fd6 < 0 ? null : configure(arena, st, fd6, true, mark);
                g = new Generation(arena, st, s4, s6, bound, wake);
                for (Socket s : new Socket[] {s4, s6}) {
                    if (s != null) {
                        g.receivers.add(new UdpReceiver(g, s.fd, arena, g.map((long) UdpReceiver.MESSAGES * UdpReceiver.SLOT)));
                    }
                }
                return g;
            } catch (IOException | RuntimeException e) {
                if (g != null) {
                    g.release();
                } else {
                    Libc.closeQuietly(st, fd4);
                    Libc.closeQuietly(st, fd6);
                    Libc.closeQuietly(st, wake);
                    arena.close();
                }
                throw e;
            }
        }

        private MemorySegment map(long size) throws IOException {
            long addr = Libc.mmapAnonymous(state, size);
            if (addr == -1L || addr == 0L) {
                throw Errno.exception("mmap", Libc.errno(state));
            }
            mappings.add(addr);
            mappings.add(size);
            return MemorySegment.ofAddress(addr).reinterpret(size);
        }

        /** A socket, or -1 when the address family is not supported. */
        private static int newSocket(MemorySegment st, boolean v6) throws IOException {
            int fd = Libc.socket(st, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                int e = Libc.errno(st);
                if (e == Errno.EAFNOSUPPORT) {
                    return -1;
                }
                throw Errno.exception("socket(" + (v6 ? "AF_INET6" : "AF_INET") + ")", e);
            }
            return fd;
        }

        private static void bind(Arena arena, MemorySegment st, int fd, boolean v6, int port) throws IOException {
            MemorySegment sa = arena.allocate(SOCKADDR_IN6_SIZE, 8);
            int len = SockAddr.writeAny(sa, v6, port);
            if (Libc.bind(st, fd, sa, len) < 0) {
                throw Errno.exception("bind(" + (v6 ? "[::]" : "0.0.0.0") + ":" + port + ")", Libc.errno(st));
            }
        }

        private static int localPort(Arena arena, MemorySegment st, int fd) throws IOException {
            MemorySegment sa = arena.allocate(SOCKADDR_IN6_SIZE, 8);
            MemorySegment len = arena.allocate(4, 4);
            len.set(Libc.INT, 0, SOCKADDR_IN6_SIZE);
            if (Libc.getsockname(st, fd, sa, len) < 0) {
                throw Errno.exception("getsockname", Libc.errno(st));
            }
            return SockAddr.port(sa, 0);
        }

        private static Socket configure(Arena arena, MemorySegment st, int fd, boolean v6, int mark) throws IOException {
            MemorySegment v = arena.allocate(4, 4);
            MemorySegment vlen = arena.allocate(4, 4);
            setBuffer(st, fd, v, SO_RCVBUFFORCE, SO_RCVBUF);
            setBuffer(st, fd, v, SO_SNDBUFFORCE, SO_SNDBUF);
            v.set(Libc.INT, 0, 1);
            boolean gro = Libc.setsockopt(st, fd, SOL_UDP, UDP_GRO, v, 4) == 0;
            vlen.set(Libc.INT, 0, 4);
            boolean gso = Libc.getsockopt(st, fd, SOL_UDP, UDP_SEGMENT, v, vlen) == 0;
            if (mark != 0) {
                setMark(st, fd, v, mark);
            }
            return new Socket(fd, v6, gso, gro);
        }

        private static void setBuffer(MemorySegment st, int fd, MemorySegment v, int force, int plain) {
            v.set(Libc.INT, 0, SOCKET_BUFFER_BYTES);
            if (Libc.setsockopt(st, fd, SOL_SOCKET, force, v, 4) < 0) {
                Libc.setsockopt(st, fd, SOL_SOCKET, plain, v, 4);
            }
        }

        private static void setMark(MemorySegment st, int fd, MemorySegment v, int mark) throws IOException {
            v.set(Libc.INT, 0, mark);
            if (Libc.setsockopt(st, fd, SOL_SOCKET, SO_MARK, v, 4) < 0) {
                throw Errno.exception("setsockopt(SO_MARK)", Libc.errno(st));
            }
        }

        /** Caller holds the bind lock and the guard. */
        void applyMark(int mark) throws IOException {
            MemorySegment v = arena.allocate(4, 4);
            for (Socket s : new Socket[] {v4, v6}) {
                if (s != null) {
                    setMark(state, s.fd, v, mark);
                }
            }
        }

        void close() {
            guard.close(() -> signal.signal(wakeFd));
        }

        private void release() {
            if (v4 != null) {
                Libc.close(state, v4.fd);
            }
            if (v6 != null) {
                Libc.close(state, v6.fd);
            }
            Libc.close(state, wakeFd);
            for (int i = 0; i < mappings.size(); i += 2) {
                Libc.munmap(state, mappings.get(i), mappings.get(i + 1));
            }
            arena.close();
        }
    }
}
