package dev.warren.net.udp;

import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.List;

import static dev.warren.net.linux.LinuxConstants.SOL_SOCKET;
import static dev.warren.net.linux.LinuxConstants.SO_MARK;

/**
 * The portable {@link Bind}: one blocking {@link DatagramChannel}, dual-stack (IPv6 with IPv4-mapped
 * addresses) when the platform has IPv6, else IPv4 only. Receiving blocks in the JDK (which parks virtual
 * threads properly), one datagram per call; sending loops over the batch. Buffers are the packet buffers'
 * own direct views, so nothing is copied.
 *
 * <p>Allocation: the JDK caches the last sender's {@link InetSocketAddress}, and this class converts a sender
 * only when that object changes, so a steady flow from one peer allocates nothing per packet; likewise the
 * destination of a send is converted only when the {@link Endpoint} changes.
 *
 * <p>{@link #setMark} needs the socket's file descriptor, which the JDK hides; it is reached by reflection
 * when {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} is given, and is otherwise a logged no-op.
 *
 * <p>Concurrency: {@code send} from any thread (the channel serialises); one receiver thread; {@link #close()}
 * makes a blocked receive throw {@link java.nio.channels.AsynchronousCloseException} (a
 * {@link ClosedChannelException}). open/close/setMark are serialised by {@link #lock}.
 */
public final class DatagramChannelBind implements Bind {
    private static final System.Logger LOG = System.getLogger(DatagramChannelBind.class.getName());

    private final Object lock = new Object();
    private volatile DatagramChannel channel; // written under lock
    private int mark;                         // guarded by lock
    private boolean markWarned;               // guarded by lock

    /** Destination cache: the last Endpoint sent to and its socket address (one immutable pair). */
    private volatile Target lastTarget;

    private record Target(Endpoint endpoint, InetSocketAddress address) {
    }

    @Override
    public Opened open(int port) throws IOException {
        synchronized (lock) {
            if (channel != null) {
                throw new IllegalStateException("bind already open; close it first");
            }
            DatagramChannel ch;
            try {
                ch = DatagramChannel.open(StandardProtocolFamily.INET6);
            } catch (UnsupportedOperationException | IOException e) {
                ch = DatagramChannel.open(StandardProtocolFamily.INET);
            }
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, LinuxUdpBind.SOCKET_BUFFER_BYTES);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, LinuxUdpBind.SOCKET_BUFFER_BYTES);
                ch.bind(new InetSocketAddress(port));
                ch.configureBlocking(true);
                channel = ch;
                if (mark != 0) {
                    applyMarkLocked(ch, mark);
                }
            } catch (IOException | RuntimeException e) {
                ch.close();
                channel = null;
                throw e;
            }
            int bound = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            return new Opened(List.of(new ChannelReceiver(ch)), bound);
        }
    }

    @Override
    public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        DatagramChannel ch = channel;
        if (ch == null) {
            throw new ClosedChannelException();
        }
        Target t = lastTarget;
        if (t == null || t.endpoint != to) {
            t = new Target(to, to.toInetSocketAddress());
            lastTarget = t;
        }
        for (int i = from; i < from + count; i++) {
            PacketBuffer b = bufs[i];
            try {
                ch.send(b.inView(b.offset(), b.length()), t.address);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                if (isPerDatagram(e)) {
                    continue; // dropped, as UDP allows
                }
                throw e;
            }
        }
    }

    private static boolean isPerDatagram(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("too long") || m.contains("No buffer space"));
    }

    @Override
    public void setMark(int mark) throws IOException {
        synchronized (lock) {
            this.mark = mark;
            DatagramChannel ch = channel;
            if (ch != null) {
                applyMarkLocked(ch, mark);
            }
        }
    }

    private void applyMarkLocked(DatagramChannel ch, int mark) throws IOException {
        int fd = fdOf(ch);
        if (fd < 0 || !Libc.isLinux64()) {
            if (!markWarned) {
                markWarned = true;
                LOG.log(System.Logger.Level.WARNING, "cannot set SO_MARK on a DatagramChannel (no access to its file "
                        + "descriptor; run with --add-opens java.base/sun.nio.ch=ALL-UNNAMED or use the Linux bind)");
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            MemorySegment v = arena.allocate(4, 4);
            v.set(Libc.INT, 0, mark);
            if (Libc.setsockopt(st, fd, SOL_SOCKET, SO_MARK, v, 4) < 0) {
                throw Errno.exception("setsockopt(SO_MARK)", Libc.errno(st));
            }
        }
    }

    /** The channel's fd via {@code sun.nio.ch.SelChImpl#getFDVal}, or -1 when the JDK does not allow it. */
    private static int fdOf(DatagramChannel ch) {
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            Method m = selCh.getMethod("getFDVal");
            m.setAccessible(true);
            return (int) m.invoke(ch);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }

    @Override
    public int batchSize() {
        return 1;
    }

    @Override
    public void close() {
        DatagramChannel ch;
        synchronized (lock) {
            ch = channel;
            channel = null;
        }
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the UDP channel failed", e);
            }
        }
    }

    /** The bound port, or -1 when closed. */
    public int port() {
        DatagramChannel ch = channel;
        try {
            return ch == null ? -1 : ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Receives one datagram per call; confined to its thread. */
    private static final class ChannelReceiver implements Bind.Receiver {
        private final DatagramChannel ch;
        private SocketAddress lastSender;
        private final byte[] lastAddress = new byte[16];
        private int lastAddressLength;
        private int lastPort;

        ChannelReceiver(DatagramChannel ch) {
            this.ch = ch;
        }

        @Override
        public int receive(PacketBuffer[] bufs, int max) throws IOException {
            if (max <= 0 || bufs.length == 0) {
                return 0;
            }
            PacketBuffer b = bufs[0];
            while (true) {
                ByteBuffer view = b.inView(0, b.capacity());
                SocketAddress from = ch.receive(view);
                if (from == null) {
                    continue; // only in non-blocking mode
                }
                if (from != lastSender) {
                    remember(from);
                }
                b.set(0, view.position());
                b.setSource(lastAddress, 0, lastAddressLength, lastPort);
                return 1;
            }
        }

        private void remember(SocketAddress from) {
            InetSocketAddress isa = (InetSocketAddress) from;
            InetAddress a = isa.getAddress();
            byte[] raw = a.getAddress();
            if (a instanceof Inet6Address && isMappedV4(raw)) {
                System.arraycopy(raw, 12, lastAddress, 0, 4);
                lastAddressLength = 4;
            } else {
                System.arraycopy(raw, 0, lastAddress, 0, raw.length);
                lastAddressLength = a instanceof Inet4Address ? 4 : raw.length;
            }
            lastPort = isa.getPort();
            lastSender = from;
        }

        private static boolean isMappedV4(byte[] a) {
            if (a.length != 16) {
                return false;
            }
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return false;
                }
            }
            return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
        }
    }
}
