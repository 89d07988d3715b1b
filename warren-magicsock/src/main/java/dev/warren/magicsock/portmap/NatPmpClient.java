package dev.warren.magicsock.portmap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * NAT-PMP client (RFC 6886). All fields big-endian; requests go to the gateway's port 5351.
 *
 * <pre>
 * external address request, 2 bytes        response, 12 bytes
 *   0  u8  version 0                         0  u8  version 0
 *   1  u8  opcode 0                          1  u8  opcode 128
 *                                            2  u16 result (0 = success)
 *                                            4  u32 seconds since start of epoch
 *                                            8  [4] external IPv4 address
 *
 * map request, 12 bytes                    map response, 16 bytes
 *   0  u8  version 0                         0  u8  version 0
 *   1  u8  opcode 1 (UDP)                    1  u8  opcode 129
 *   2  u16 reserved 0                        2  u16 result
 *   4  u16 internal port                     4  u32 seconds since start of epoch
 *   6  u16 suggested external port           8  u16 internal port
 *   8  u32 lifetime seconds (0 = delete)    10  u16 mapped external port
 *                                           12  u32 lifetime seconds
 * </pre>
 *
 * Responses are checked for version, opcode, length and (for maps) internal port; others are ignored until the
 * timeout. Threads: one call at a time per instance is expected; each call uses its own socket.
 */
public final class NatPmpClient implements MappingClient {
    public static final int PORT = 5351;
    /** Datagrams that are not our answer ignored before giving up (each receive also has the timeout). */
    static final int MAX_IGNORED = 8;

    private final InetSocketAddress gateway;
    private final Duration timeout;

    public NatPmpClient(InetSocketAddress gateway, Duration timeout) {
        this.gateway = gateway;
        this.timeout = timeout;
    }

    @Override
    public String protocol() {
        return "nat-pmp";
    }

    @Override
    public boolean probe() {
        try {
            externalAddress();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The gateway's external IPv4 address. */
    public InetAddress externalAddress() throws IOException {
        ByteBuffer r = exchange(new byte[]{0, 0}, 128, 12, -1);
        byte[] ip = new byte[4];
        r.get(8, ip);
        return InetAddress.getByAddress(ip);
    }

    @Override
    public Mapping map(int internalPort, int lifetimeSeconds) throws IOException {
        InetAddress ext = externalAddress();
        ByteBuffer r = exchange(mapRequest(internalPort, internalPort, lifetimeSeconds), 129, 16, internalPort);
        int port = r.getShort(10) & 0xFFFF;
        long life = r.getInt(12) & 0xFFFFFFFFL;
        if (port == 0 || life == 0) {
            throw new IOException("NAT-PMP gateway " + gateway + " granted port " + port + " for " + life + " s");
        }
        return new Mapping(protocol(), new InetSocketAddress(ext, port), internalPort, Duration.ofSeconds(life));
    }

    @Override
    public void delete(Mapping m) throws IOException {
        exchange(mapRequest(m.internalPort(), 0, 0), 129, 16, m.internalPort());
    }

    private static byte[] mapRequest(int internalPort, int suggested, int lifetime) {
        return ByteBuffer.allocate(12).put((byte) 0).put((byte) 1).putShort((short) 0)
                .putShort((short) internalPort).putShort((short) suggested).putInt(lifetime).array();
    }

    private ByteBuffer exchange(byte[] req, int opcode, int size, int internalPort) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            s.send(new DatagramPacket(req, req.length, gateway));
            byte[] buf = new byte[64];
            for (int tries = 0; ; tries++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    throw new IOException("no NAT-PMP answer from " + gateway + " in " + timeout.toMillis() + " ms");
                }
                ByteBuffer r = ByteBuffer.wrap(buf, 0, p.getLength()).slice();
                if (p.getLength() >= size && r.get(0) == 0 && (r.get(1) & 0xFF) == opcode
                        && (internalPort < 0 || (r.getShort(8) & 0xFFFF) == internalPort)) {
                    int result = r.getShort(2) & 0xFFFF;
                    if (result != 0) {
                        throw new IOException("NAT-PMP gateway " + gateway + " answered result code " + result);
                    }
                    return r;
                }
                if (tries >= MAX_IGNORED) {
                    throw new IOException("no valid NAT-PMP answer from " + gateway);
                }
            }
        }
    }
}
