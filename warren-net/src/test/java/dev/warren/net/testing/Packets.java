package dev.warren.net.testing;

import dev.warren.wire.datapath.PacketBuffer;

import java.util.Arrays;

/**
 * Builds IPv4/IPv6 TCP and UDP packets as byte arrays for tests, with checksums computed by {@link #checksum}
 * — a deliberately naive byte-at-a-time RFC 1071 routine, independent of the production code.
 */
public final class Packets {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public static final byte[] SRC4 = {10, 0, 0, 1};
    public static final byte[] DST4 = {10, 0, 0, 2};
    public static final byte[] SRC6 = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    public static final byte[] DST6 = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

    private Packets() {
    }

    /** Parameters of a TCP packet; mutable builder-style for brevity in tests. */
    public static final class Tcp {
        public boolean v6;
        public byte[] src;
        public byte[] dst;
        public int srcPort = 40000;
        public int dstPort = 5201;
        public long seq = 1000;
        public long ack = 7777;
        public int flags = ACK;
        public int window = 512;
        public int ipId = 100;
        public boolean df = true;
        public int ttl = 64;
        public int tos = 0;
        public int flowLabel = 0x12345;
        public byte[] options = new byte[0];
        public byte[] payload = new byte[0];

        public Tcp(boolean v6) {
            this.v6 = v6;
            this.src = v6 ? SRC6 : SRC4;
            this.dst = v6 ? DST6 : DST4;
        }

        public Tcp copy() {
            Tcp t = new Tcp(v6);
            t.src = src;
            t.dst = dst;
            t.srcPort = srcPort;
            t.dstPort = dstPort;
            t.seq = seq;
            t.ack = ack;
            t.flags = flags;
            t.window = window;
            t.ipId = ipId;
            t.df = df;
            t.ttl = ttl;
            t.tos = tos;
            t.flowLabel = flowLabel;
            t.options = options;
            t.payload = payload;
            return t;
        }

        public byte[] build() {
            int ipLen = v6 ? 40 : 20;
            int th = 20 + options.length;
            byte[] p = new byte[ipLen + th + payload.length];
            ipHeader(p, v6, src, dst, 6, p.length, ipId, df, ttl, tos, flowLabel);
            int t = ipLen;
            put16(p, t, srcPort);
            put16(p, t + 2, dstPort);
            put32(p, t + 4, seq);
            put32(p, t + 8, ack);
            p[t + 12] = (byte) ((th / 4) << 4);
            p[t + 13] = (byte) flags;
            put16(p, t + 14, window);
            System.arraycopy(options, 0, p, t + 20, options.length);
            System.arraycopy(payload, 0, p, t + th, payload.length);
            put16(p, t + 16, transportChecksum(p, v6, 6, t));
            return p;
        }
    }

    public static byte[] udp(boolean v6, int srcPort, int dstPort, byte[] payload, int ipId) {
        int ipLen = v6 ? 40 : 20;
        byte[] p = new byte[ipLen + 8 + payload.length];
        ipHeader(p, v6, v6 ? SRC6 : SRC4, v6 ? DST6 : DST4, 17, p.length, ipId, false, 64, 0, 0);
        put16(p, ipLen, srcPort);
        put16(p, ipLen + 2, dstPort);
        put16(p, ipLen + 4, 8 + payload.length);
        System.arraycopy(payload, 0, p, ipLen + 8, payload.length);
        int c = transportChecksum(p, v6, 17, ipLen);
        put16(p, ipLen + 6, c == 0 ? 0xffff : c);
        return p;
    }

    static void ipHeader(byte[] p, boolean v6, byte[] src, byte[] dst, int proto, int total, int id, boolean df,
                         int ttl, int tos, int flowLabel) {
        if (v6) {
            p[0] = (byte) (0x60 | (tos >>> 4));
            p[1] = (byte) (((tos & 0xf) << 4) | ((flowLabel >>> 16) & 0xf));
            put16(p, 2, flowLabel & 0xffff);
            put16(p, 4, total - 40);
            p[6] = (byte) proto;
            p[7] = (byte) ttl;
            System.arraycopy(src, 0, p, 8, 16);
            System.arraycopy(dst, 0, p, 24, 16);
        } else {
            p[0] = 0x45;
            p[1] = (byte) tos;
            put16(p, 2, total);
            put16(p, 4, id);
            put16(p, 6, df ? 0x4000 : 0);
            p[8] = (byte) ttl;
            p[9] = (byte) proto;
            System.arraycopy(src, 0, p, 12, 4);
            System.arraycopy(dst, 0, p, 16, 4);
            put16(p, 10, checksum(p, 0, 20, 0));
        }
    }

    /** Naive RFC 1071: complement of the ones-complement sum of 16-bit words, byte by byte. */
    public static int checksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i < len; i++) {
            int v = b[off + i] & 0xff;
            sum += (i % 2 == 0) ? v << 8 : v;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    public static long pseudoSum(byte[] p, boolean v6, int proto, int l4Len) {
        long sum = 0;
        int a = v6 ? 8 : 12;
        int n = v6 ? 32 : 8;
        for (int i = 0; i < n; i += 2) {
            sum += ((p[a + i] & 0xff) << 8) | (p[a + i + 1] & 0xff);
        }
        return sum + proto + l4Len;
    }

    /** The checksum for the transport segment at {@code l4} (its checksum field must be zero or is ignored). */
    public static int transportChecksum(byte[] p, boolean v6, int proto, int l4) {
        int field = l4 + (proto == 6 ? 16 : 6);
        byte[] c = p.clone();
        c[field] = 0;
        c[field + 1] = 0;
        return checksum(c, l4, c.length - l4, pseudoSum(c, v6, proto, c.length - l4));
    }

    /** True when the IP header checksum (IPv4) and transport checksum of the packet verify. */
    public static boolean checksumsValid(byte[] p) {
        boolean v6 = (p[0] >>> 4 & 0xf) == 6;
        int l4 = v6 ? 40 : (p[0] & 0xf) * 4;
        int proto = v6 ? p[6] & 0xff : p[9] & 0xff;
        if (!v6 && checksum(p, 0, l4, 0) != 0) {
            return false;
        }
        return checksum(p, l4, p.length - l4, pseudoSum(p, v6, proto, p.length - l4)) == 0;
    }

    public static int u16(byte[] p, int off) {
        return ((p[off] & 0xff) << 8) | (p[off + 1] & 0xff);
    }

    public static long u32(byte[] p, int off) {
        return ((long) u16(p, off) << 16) | u16(p, off + 2);
    }

    public static void put16(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }

    public static void put32(byte[] p, int off, long v) {
        put16(p, off, (int) (v >>> 16) & 0xffff);
        put16(p, off + 2, (int) v & 0xffff);
    }

    /** A stand-alone packet buffer holding {@code packet} at HEADROOM. */
    public static PacketBuffer buffer(byte[] packet) {
        PacketBuffer b = PacketBuffer.allocate(PacketBuffer.HEADROOM + Math.max(packet.length, 1) + PacketBuffer.TAILROOM);
        b.copyFrom(packet, 0, PacketBuffer.HEADROOM, packet.length);
        b.set(PacketBuffer.HEADROOM, packet.length);
        return b;
    }

    public static PacketBuffer[] buffers(byte[]... packets) {
        return Arrays.stream(packets).map(Packets::buffer).toArray(PacketBuffer[]::new);
    }

    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return b;
    }
}
