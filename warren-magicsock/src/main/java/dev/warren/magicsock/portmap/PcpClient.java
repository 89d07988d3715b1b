package dev.warren.magicsock.portmap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * PCP client (RFC 6887), MAP and ANNOUNCE opcodes. Big-endian; requests go to the gateway's port 5351.
 *
 * <pre>
 * request header, 24 bytes                 response header, 24 bytes
 *   0  u8   version 2                        0  u8   version 2
 *   1  u8   R=0 | opcode (0 ANNOUNCE, 1 MAP) 1  u8   R=1 | opcode (0x80 | op)
 *   2  u16  reserved                         2  u8   reserved
 *   4  u32  requested lifetime seconds       3  u8   result code (0 = success)
 *   8  [16] client IP (IPv4 as ::ffff:a.b.c.d) 4  u32 lifetime seconds
 *                                            8  u32  epoch time
 *                                           12  [12] reserved
 * MAP payload, 36 bytes (request and response)
 *  24  [12] mapping nonce (response echoes it)
 *  36  u8   protocol (17 = UDP)
 *  37  [3]  reserved
 *  40  u16  internal port
 *  42  u16  suggested / assigned external port
 *  44  [16] suggested / assigned external IP
 * </pre>
 *
 * A MAP response is accepted only with our nonce, protocol and internal port. Each call uses its own socket,
 * connected to the gateway so its local address is the client IP.
 */
public final class PcpClient implements MappingClient {
    public static final int VERSION = 2;
    public static final int OP_ANNOUNCE = 0;
    public static final int OP_MAP = 1;
    static final int HEADER = 24;
    static final int MAP_PAYLOAD = 36;
    static final int MAX_IGNORED = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final InetSocketAddress gateway;
    private final Duration timeout;
    // guarded by this: the nonce of our mapping (renewals reuse it, as RFC 6887 §11.2 asks)
    private byte[] nonce;

    public PcpClient(InetSocketAddress gateway, Duration timeout) {
        this.gateway = gateway;
        this.timeout = timeout;
    }

    @Override
    public String protocol() {
        return "pcp";
    }

    @Override
    public boolean probe() {
        try {
            exchange(OP_ANNOUNCE, 0, null, 0, 0);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized Mapping map(int internalPort, int lifetimeSeconds) throws IOException {
        if (nonce == null) {
            nonce = new byte[12];
            RANDOM.nextBytes(nonce);
        }
        ByteBuffer r = exchange(OP_MAP, lifetimeSeconds, nonce, internalPort, internalPort);
        long life = r.getInt(4) & 0xFFFFFFFFL;
        int port = r.getShort(42) & 0xFFFF;
        byte[] ip = new byte[16];
        r.get(44, ip);
        InetAddress ext = InetAddress.getByAddress(ip);
        if (port == 0 || life == 0) {
            throw new IOException("PCP gateway " + gateway + " granted port " + port + " for " + life + " s");
        }
        return new Mapping(protocol(), new InetSocketAddress(ext, port), internalPort, Duration.ofSeconds(life));
    }

    @Override
    public synchronized void delete(Mapping m) throws IOException {
        if (nonce != null) {
            exchange(OP_MAP, 0, nonce, m.internalPort(), 0);
        }
    }

    private ByteBuffer exchange(int op, int lifetime, byte[] mapNonce, int internalPort, int suggested)
            throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(gateway);
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            ByteBuffer req = ByteBuffer.allocate(HEADER + (op == OP_MAP ? MAP_PAYLOAD : 0));
            req.put((byte) VERSION).put((byte) op).putShort((short) 0).putInt(lifetime).put(mapped(s.getLocalAddress()));
            if (op == OP_MAP) {
                req.put(mapNonce).put((byte) 17).put(new byte[3]).putShort((short) internalPort)
                        .putShort((short) suggested).put(new byte[16]);
            }
            byte[] out = req.array();
            s.send(new DatagramPacket(out, out.length));
            byte[] buf = new byte[1100];
            for (int tries = 0; ; tries++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    throw new IOException("no PCP answer from " + gateway + " in " + timeout.toMillis() + " ms");
                }
                ByteBuffer r = ByteBuffer.wrap(buf, 0, p.getLength()).slice();
                int need = HEADER + (op == OP_MAP ? MAP_PAYLOAD : 0);
                if (p.getLength() >= need && (r.get(0) & 0xFF) == VERSION && (r.get(1) & 0xFF) == (0x80 | op)
                        && (op != OP_MAP || matchesMap(r, mapNonce, internalPort))) {
                    int result = r.get(3) & 0xFF;
                    if (result != 0) {
                        throw new IOException("PCP gateway " + gateway + " answered result code " + result);
                    }
                    return r;
                }
                if (tries >= MAX_IGNORED) {
                    throw new IOException("no valid PCP answer from " + gateway);
                }
            }
        }
    }

    private static boolean matchesMap(ByteBuffer r, byte[] nonce, int internalPort) {
        byte[] n = new byte[12];
        r.get(HEADER, n);
        return Arrays.equals(n, nonce) && (r.get(36) & 0xFF) == 17 && (r.getShort(40) & 0xFFFF) == internalPort;
    }

    /** A 16-byte address, IPv4 as ::ffff:a.b.c.d. */
    static byte[] mapped(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            byte[] m = new byte[16];
            m[10] = (byte) 0xFF;
            m[11] = (byte) 0xFF;
            System.arraycopy(b, 0, m, 12, 4);
            return m;
        }
        return b;
    }
}
