package dev.warren.magicsock.netcheck;

import dev.warren.wire.stun.StunMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback STUN server for tests. It answers Binding requests with the source it saw, or — to imitate a NAT whose
 * mapping depends on the destination — with the source address and a fixed {@code reportPort}.
 */
final class StunServer implements AutoCloseable {
    private final DatagramChannel ch;
    private final int reportPort;
    private final Thread thread;
    final AtomicInteger requests = new AtomicInteger();
    private volatile boolean silent;

    StunServer(int reportPort) throws IOException {
        this(reportPort, "127.0.0.1");
    }

    StunServer(int reportPort, String bindAddress) throws IOException {
        this.reportPort = reportPort;
        ch = DatagramChannel.open(bindAddress.contains(":") ? java.net.StandardProtocolFamily.INET6
                : java.net.StandardProtocolFamily.INET).bind(new InetSocketAddress(bindAddress, 0));
        thread = Thread.ofVirtual().start(this::run);
    }

    int port() throws IOException {
        return ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    void setSilent(boolean s) {
        silent = s;
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(1500);
        while (true) {
            try {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                buf.flip();
                requests.incrementAndGet();
                if (silent) {
                    continue;
                }
                StunMessage m = StunMessage.decode(buf);
                if (m instanceof StunMessage.BindingRequest r) {
                    InetSocketAddress src = (InetSocketAddress) from;
                    InetSocketAddress mapped = reportPort == 0 ? src
                            : new InetSocketAddress(src.getAddress(), reportPort);
                    ch.send(ByteBuffer.wrap(new StunMessage.BindingSuccess(r.transactionId(), mapped).encode()), from);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (Exception e) {
                // a test server ignores what it cannot parse
            }
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
