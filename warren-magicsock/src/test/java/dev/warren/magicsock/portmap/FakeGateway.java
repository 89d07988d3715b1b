package dev.warren.magicsock.portmap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback NAT-PMP and/or PCP gateway for tests (both share port 5351 on a real gateway; here one socket answers
 * whichever versions are enabled). External address 203.0.113.9; mapped port = internal port + 1000; lifetimes
 * echoed. Every request is recorded.
 */
final class FakeGateway implements AutoCloseable {
    static final InetAddress EXTERNAL = InetAddress.ofLiteral("203.0.113.9");

    /** One request seen: version, opcode, internal port, lifetime. */
    record Request(int version, int opcode, int internalPort, long lifetime) {
    }

    private final DatagramSocket socket;
    private final boolean pmp;
    private final boolean pcp;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Thread thread;

    FakeGateway(boolean pmp, boolean pcp) throws SocketException {
        this.pmp = pmp;
        this.pcp = pcp;
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        thread = Thread.ofVirtual().start(this::run);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    }

    private void run() {
        byte[] buf = new byte[1100];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                ByteBuffer r = ByteBuffer.wrap(buf, 0, p.getLength());
                byte[] out = r.get(0) == 0 ? natPmp(r) : r.get(0) == 2 ? pcpAnswer(r) : null;
                if (out != null) {
                    socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                // closed, or a request too short to answer
            }
        }
    }

    private byte[] natPmp(ByteBuffer r) {
        int op = r.get(1) & 0xFF;
        if (op == 0) {
            requests.add(new Request(0, 0, 0, 0));
            return pmp ? ByteBuffer.allocate(12).put((byte) 0).put((byte) 128).putShort((short) 0).putInt(7)
                    .put(EXTERNAL.getAddress()).array() : null;
        }
        int internal = r.getShort(4) & 0xFFFF;
        long life = r.getInt(8) & 0xFFFFFFFFL;
        requests.add(new Request(0, op, internal, life));
        if (!pmp) {
            return null;
        }
        return ByteBuffer.allocate(16).put((byte) 0).put((byte) (128 + op)).putShort((short) 0).putInt(7)
                .putShort((short) internal).putShort((short) (life == 0 ? 0 : internal + 1000)).putInt((int) life)
                .array();
    }

    private byte[] pcpAnswer(ByteBuffer r) {
        int op = r.get(1) & 0x7F;
        long life = r.getInt(4) & 0xFFFFFFFFL;
        if (op == PcpClient.OP_ANNOUNCE) {
            requests.add(new Request(2, op, 0, life));
            return pcp ? ByteBuffer.allocate(24).put((byte) 2).put((byte) 0x80).put((byte) 0).put((byte) 0)
                    .putInt(0).putInt(7).put(new byte[12]).array() : null;
        }
        byte[] nonce = new byte[12];
        r.get(24, nonce);
        int internal = r.getShort(40) & 0xFFFF;
        requests.add(new Request(2, op, internal, life));
        if (!pcp) {
            return null;
        }
        return ByteBuffer.allocate(60).put((byte) 2).put((byte) 0x81).put((byte) 0).put((byte) 0).putInt((int) life)
                .putInt(7).put(new byte[12]).put(nonce).put((byte) 17).put(new byte[3]).putShort((short) internal)
                .putShort((short) (internal + 1000)).put(PcpClient.mapped(EXTERNAL)).array();
    }

    long count(int version, int opcode) {
        return requests.stream().filter(q -> q.version() == version && q.opcode() == opcode).count();
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
