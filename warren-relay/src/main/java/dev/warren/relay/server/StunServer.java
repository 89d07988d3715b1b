package dev.warren.relay.server;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.stun.StunMessage;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.logging.Logger;

/**
 * The STUN server beside a relay (RFC 8489 Binding only): a Binding request is answered with a Binding success
 * carrying XOR-MAPPED-ADDRESS — the address and port the request came from — so a node learns its public endpoint;
 * a request with comprehension-required attributes it does not know gets error 420; everything else (responses,
 * indications, garbage) is ignored. One UDP socket on the relay's listen address; for a wildcard listen address
 * it is the dual-stack wildcard, answering IPv4 (as v4-mapped senders, reported as plain IPv4) and IPv6 alike.
 *
 * <p>Threads: one virtual thread receives and answers; {@link #close()} ends it.
 */
public final class StunServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StunServer.class.getName());
    private static final String SOFTWARE = "warren relay";

    private final DatagramSocket socket;
    private final Thread thread;

    private StunServer(DatagramSocket socket) {
        this.socket = socket;
        this.thread = Thread.ofVirtual().name("relay-stun").start(this::loop);
    }

    /**
     * Binds UDP {@code host}:{@code port} (0 = any free port) and starts answering. A wildcard host (0.0.0.0 or ::)
     * binds the dual-stack wildcard {@code ::} when the host has IPv6, so IPv4 and IPv6 clients are both answered.
     */
    public static StunServer start(String host, int port) throws IOException {
        InetAddress addr = InetAddress.getByName(host);
        if (addr.isAnyLocalAddress()) {
            try {
                return new StunServer(bind(InetAddress.getByName("::"), port));
            } catch (SocketException e) {
                // no IPv6 on this host: the IPv4 wildcard below
            }
        }
        try {
            return new StunServer(bind(addr, port));
        } catch (SocketException e) {
            throw new IOException("cannot bind the STUN server to UDP " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static DatagramSocket bind(InetAddress addr, int port) throws SocketException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            s.bind(new InetSocketAddress(addr, port));
            return s;
        } catch (SocketException e) {
            s.close();
            throw e;
        }
    }

    /** The bound UDP port. */
    public int port() {
        return socket.getLocalPort();
    }

    private void loop() {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (!socket.isClosed()) {
            try {
                p.setData(buf);
                socket.receive(p);
                byte[] reply = answer(buf, p.getLength(), (InetSocketAddress) p.getSocketAddress());
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.fine(() -> "relay STUN: " + e.getMessage());
                }
            }
        }
    }

    /** The answer to one datagram from {@code from}, or null to ignore it. */
    static byte[] answer(byte[] b, int len, InetSocketAddress from) {
        if (!StunMessage.looksLikeStun(b, 0, len)) {
            return null;
        }
        StunMessage m;
        try {
            m = StunMessage.decode(ByteBuffer.wrap(b, 0, len));
        } catch (MalformedMessageException e) {
            return null;
        }
        if (!(m instanceof StunMessage.BindingRequest req)) {
            return null;
        }
        List<Integer> required = req.unknownAttributes().stream().filter(t -> t < 0x8000).toList();
        if (!required.isEmpty()) {
            return new StunMessage.BindingError(req.transactionId(), 420, "Unknown Attribute", SOFTWARE, List.of())
                    .encode();
        }
        InetSocketAddress mapped = from;
        if (from.getAddress() instanceof java.net.Inet6Address v6 && isV4Mapped(v6.getAddress())) {
            byte[] a = v6.getAddress();
            try {
                mapped = new InetSocketAddress(InetAddress.getByAddress(java.util.Arrays.copyOfRange(a, 12, 16)),
                        from.getPort());
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return new StunMessage.BindingSuccess(req.transactionId(), mapped, null, SOFTWARE, List.of()).encode();
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    @Override
    public void close() {
        socket.close();
        thread.interrupt();
    }
}
