package dev.warren.magicsock.birthday;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * {@link SideSockets} over real UDP: each socket a non-blocking IPv4 {@link DatagramChannel} bound to
 * {@code 0.0.0.0:0}, all of them served by one {@link Selector} on one platform thread.
 *
 * <p>Why one selector thread, not a thread per socket: a birthday round opens {@link Birthday#SOCKETS} sockets for
 * a few seconds; a thread each would be hundreds of threads for a handful of datagrams. The selector loop blocks
 * in {@code epoll_wait}, which pins a virtual thread's carrier (JAVA-NOTES §5), so it is a platform thread. It is
 * started when the first socket opens and ends when the last one closes, so an idle node has no such thread.
 *
 * <p>Threads: {@link #open} and each socket's {@code send}/{@code close} from any thread; receive callbacks on the
 * selector thread ("magicsock-side-sockets"). {@code lock} guards the selector, its thread, the open count and the
 * registration queue; a channel is registered by the selector thread itself (a registration from another thread
 * would block while the selector is selecting).
 */
public final class UdpSideSockets implements SideSockets {
    private static final System.Logger LOG = System.getLogger(UdpSideSockets.class.getName());
    /** The largest datagram read; larger ones are truncated and then dropped as malformed by the receiver. */
    static final int MAX_DATAGRAM = 65_535;

    private final Object lock = new Object();
    // guarded by lock
    private Selector selector;
    // guarded by lock
    private int open;
    // guarded by lock
    private final ArrayDeque<Sock> toRegister = new ArrayDeque<>();

    private final class Sock implements SideSocket {
        final DatagramChannel channel;
        final Receiver receiver;
        final int port;

        Sock(DatagramChannel channel, Receiver receiver, int port) {
            this.channel = channel;
            this.receiver = receiver;
            this.port = port;
        }

        @Override
        public int localPort() {
            return port;
        }

        @Override
        public void send(byte[] datagram, InetSocketAddress to) throws IOException {
            channel.send(ByteBuffer.wrap(datagram), to);
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() {
            if (!channel.isOpen()) {
                return;
            }
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing side socket: {0}", e.getMessage());
            }
            synchronized (lock) {
                open--;
                if (selector != null) {
                    selector.wakeup();
                }
            }
        }
    }

    @Override
    public SideSocket open(Receiver receiver) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.bind(new InetSocketAddress(0));
            ch.configureBlocking(false);
            Sock s = new Sock(ch, receiver, ((InetSocketAddress) ch.getLocalAddress()).getPort());
            synchronized (lock) {
                if (selector == null) {
                    Selector sel = Selector.open();
                    selector = sel;
                    Thread.ofPlatform().daemon().name("magicsock-side-sockets").start(() -> loop(sel));
                }
                open++;
                toRegister.add(s);
                selector.wakeup();
            }
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The number of open sockets (for tests and status). */
    public int openCount() {
        synchronized (lock) {
            return open;
        }
    }

    private void loop(Selector sel) {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        try {
            while (true) {
                synchronized (lock) {
                    Sock s;
                    while ((s = toRegister.poll()) != null) {
                        try {
                            s.channel.register(sel, SelectionKey.OP_READ, s);
                        } catch (ClosedChannelException e) {
                            // closed before it was registered
                        }
                    }
                    if (open <= 0) {
                        selector = null;
                        sel.close();
                        return;
                    }
                }
                sel.select();
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isValid() && k.isReadable()) {
                        drain((Sock) k.attachment(), buf);
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.log(System.Logger.Level.WARNING, "side-socket selector failed: {0}", e.getMessage());
            synchronized (lock) {
                if (selector == sel) {
                    selector = null;
                }
            }
        }
    }

    /** Reads every queued datagram of one socket (at most 64 per wake-up, so one socket cannot starve others). */
    private static void drain(Sock s, ByteBuffer buf) {
        for (int i = 0; i < 64; i++) {
            SocketAddress src;
            buf.clear();
            try {
                src = s.channel.receive(buf);
            } catch (IOException e) {
                return;
            }
            if (!(src instanceof InetSocketAddress from)) {
                return;
            }
            buf.flip();
            byte[] b = new byte[buf.remaining()];
            buf.get(b);
            try {
                s.receiver.datagram(s, b, from);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "side-socket datagram from " + from + " failed", e);
            }
        }
    }
}
