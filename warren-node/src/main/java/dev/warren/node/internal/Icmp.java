package dev.warren.node.internal;

import dev.warren.net.offload.Checksum;
import dev.warren.wire.datapath.PacketBuffer;

import java.lang.foreign.MemorySegment;

import java.nio.ByteBuffer;

/**
 * ICMP and ICMPv6 echo packets for {@code warren ping}: building requests with correct IPv4 header, ICMP and
 * ICMPv6 (pseudo-header) checksums, and recognising replies in place in a {@link PacketBuffer} without allocating.
 */
public final class Icmp {
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_ECHO_REPLY = 0;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;
    private static final int PROTO_ICMP = 1;
    private static final int PROTO_ICMPV6 = 58;

    private Icmp() {
    }

    /** An echo request (or reply, by {@code type}) from src to dst, IPv4 or IPv6 by the address length. */
    public static byte[] echo(int type, byte[] src, byte[] dst, int id, int seq, byte[] payload) {
        if (src.length != dst.length) {
            throw new IllegalArgumentException("source and destination of different families");
        }
        return src.length == 4 ? echo4(type, src, dst, id, seq, payload) : echo6(type, src, dst, id, seq, payload);
    }

    private static byte[] echo4(int type, byte[] src, byte[] dst, int id, int seq, byte[] payload) {
        int total = 20 + 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) seq).putShort((short) 0x4000)
                .put((byte) 64).put((byte) PROTO_ICMP).putShort((short) 0).put(src).put(dst);
        b.putShort(10, (short) checksum(b.array(), 0, 20, 0));
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        b.putShort(22, (short) checksum(b.array(), 20, 8 + payload.length, 0));
        return b.array();
    }

    private static byte[] echo6(int type, byte[] src, byte[] dst, int id, int seq, byte[] payload) {
        int plen = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(40 + plen);
        b.putInt(0x60000000).putShort((short) plen).put((byte) PROTO_ICMPV6).put((byte) 64).put(src).put(dst);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        long pseudo = Checksum.add(MemorySegment.ofArray(src), 0, 16, 0) + Checksum.add(MemorySegment.ofArray(dst), 0, 16, 0)
                + plen + PROTO_ICMPV6;
        b.putShort(42, (short) checksum(b.array(), 40, plen, pseudo));
        return b.array();
    }

    /**
     * If {@code b} holds an ICMP echo reply (IPv4 type 0 or ICMPv6 type 129), returns its identifier in the high
     * 16 bits and sequence number in the low 16 bits, plus 1 &lt;&lt; 32 for IPv6; else -1.
     */
    public static long echoReplyKey(PacketBuffer b) {
        int off = b.offset();
        int len = b.length();
        if (len < 1) {
            return -1;
        }
        int version = (b.getByte(off) & 0xff) >>> 4;
        if (version == 4 && len >= 28) {
            int ihl = (b.getByte(off) & 0x0f) * 4;
            if (ihl < 20 || len < ihl + 8 || (b.getByte(off + 9) & 0xff) != PROTO_ICMP
                    || (b.getByte(off + ihl) & 0xff) != V4_ECHO_REPLY) {
                return -1;
            }
            return ((long) b.getShortBE(off + ihl + 4) << 16) | b.getShortBE(off + ihl + 6);
        }
        if (version == 6 && len >= 48) {
            if ((b.getByte(off + 6) & 0xff) != PROTO_ICMPV6 || (b.getByte(off + 40) & 0xff) != V6_ECHO_REPLY) {
                return -1;
            }
            return (1L << 32) | ((long) b.getShortBE(off + 44) << 16) | b.getShortBE(off + 46);
        }
        return -1;
    }

    /** The key {@link #echoReplyKey} returns for a reply to (id, seq) over the given family. */
    public static long key(boolean ipv6, int id, int seq) {
        return (ipv6 ? 1L << 32 : 0) | ((long) (id & 0xffff) << 16) | (seq & 0xffff);
    }

    /** The Internet checksum of {@code a[off, off+len)} plus an initial sum (warren-net's {@link Checksum}). */
    public static int checksum(byte[] a, int off, int len, long initial) {
        return Checksum.finish(Checksum.add(MemorySegment.ofArray(a), off, len, initial));
    }
}
