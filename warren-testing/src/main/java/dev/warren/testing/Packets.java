package dev.warren.testing;

import java.nio.ByteBuffer;

/** Builders for valid IPv4/IPv6 UDP packets, for tests that push traffic through a tunnel. */
public final class Packets {
    private Packets() {
    }

    /** An IPv4 UDP packet with correct header and UDP checksums. */
    public static byte[] udp4(byte[] src, byte[] dst, int sport, int dport, byte[] payload) {
        int total = 20 + 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst);
        b.putShort(10, (short) checksum(b.array(), 0, 20, 0));
        b.position(20);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        long pseudo = sum(src, 0, 4) + sum(dst, 0, 4) + 17 + 8 + payload.length;
        int c = checksum(b.array(), 20, 8 + payload.length, pseudo);
        b.putShort(26, (short) (c == 0 ? 0xffff : c));
        return b.array();
    }

    /** An IPv6 UDP packet with a correct UDP checksum. */
    public static byte[] udp6(byte[] src, byte[] dst, int sport, int dport, byte[] payload) {
        int plen = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(40 + plen);
        b.putInt(0x60000000).putShort((short) plen).put((byte) 17).put((byte) 64).put(src).put(dst);
        b.putShort((short) sport).putShort((short) dport).putShort((short) plen).putShort((short) 0).put(payload);
        long pseudo = sum(src, 0, 16) + sum(dst, 0, 16) + plen + 17;
        int c = checksum(b.array(), 40, plen, pseudo);
        b.putShort(46, (short) (c == 0 ? 0xffff : c));
        return b.array();
    }

    private static long sum(byte[] a, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((a[off + i] & 0xff) << 8) | (a[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (a[off + len - 1] & 0xff) << 8;
        }
        return s;
    }

    /** The Internet checksum of {@code a[off, off+len)} plus an initial sum. */
    public static int checksum(byte[] a, int off, int len, long initial) {
        long s = initial + sum(a, off, len);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }
}
