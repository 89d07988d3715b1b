package dev.warren.filter;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.net.IpAddresses;

import java.nio.ByteBuffer;

/** Builds test packets (IPv4 or IPv6 by the addresses' family; checksums are not needed by the filter). */
final class Pkt {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    private Pkt() {
    }

    static byte[] tcp(String src, int sport, String dst, int dport, int flags) {
        byte[] l4 = new byte[20];
        ByteBuffer.wrap(l4).putShort((short) sport).putShort((short) dport).putInt(1).putInt(0)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535);
        return ip(src, dst, 6, l4);
    }

    static byte[] udp(String src, int sport, String dst, int dport) {
        byte[] l4 = new byte[12];
        ByteBuffer.wrap(l4).putShort((short) sport).putShort((short) dport).putShort((short) 12);
        return ip(src, dst, 17, l4);
    }

    /** An ICMP (IPv4) or ICMPv6 echo request ({@code reply} false) or reply. */
    static byte[] echo(String src, String dst, int id, boolean reply) {
        boolean v6 = src.contains(":");
        int type = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
        byte[] l4 = new byte[16];
        ByteBuffer.wrap(l4).put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) 1);
        return ip(src, dst, v6 ? 58 : 1, l4);
    }

    /** An ICMP error (destination unreachable) from {@code src} to {@code dst} quoting {@code quoted}. */
    static byte[] unreachable(String src, String dst, byte[] quoted) {
        boolean v6 = src.contains(":");
        int qlen = Math.min(quoted.length, (v6 ? 40 : 20) + 8);
        byte[] l4 = new byte[8 + qlen];
        l4[0] = (byte) (v6 ? 1 : 3);
        l4[1] = 3; // port unreachable (v4) / address unreachable (v6)
        System.arraycopy(quoted, 0, l4, 8, qlen);
        return ip(src, dst, v6 ? 58 : 1, l4);
    }

    static byte[] ip(String src, String dst, int proto, byte[] l4) {
        byte[] s = IpAddresses.parse(src);
        byte[] d = IpAddresses.parse(dst);
        if (s.length == 4) {
            ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 7)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) proto).putShort((short) 0).put(s).put(d).put(l4);
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x60000000).putShort((short) l4.length).put((byte) proto).put((byte) 64).put(s).put(d).put(l4);
        return b.array();
    }

    /** An IPv4 packet with the given fragment field (flags ‖ offset in 8-byte units). */
    static byte[] fragment4(byte[] packet, int fragField) {
        byte[] p = packet.clone();
        p[6] = (byte) (fragField >>> 8);
        p[7] = (byte) fragField;
        return p;
    }

    /** An IPv6 packet with a fragment extension header (offset in bytes, a multiple of 8) in front of its payload. */
    static byte[] fragment6(byte[] packet, int offsetBytes, boolean more) {
        int proto = packet[6] & 0xff;
        byte[] payload = java.util.Arrays.copyOfRange(packet, 40, packet.length);
        if (offsetBytes > 0) {
            payload = java.util.Arrays.copyOf(payload, 8); // no transport header in a later fragment
            java.util.Arrays.fill(payload, (byte) 0x55);
        }
        ByteBuffer b = ByteBuffer.allocate(40 + 8 + payload.length);
        b.put(packet, 0, 40);
        b.putShort(4, (short) (8 + payload.length));
        b.put(6, (byte) 44);
        b.position(40);
        b.put((byte) proto).put((byte) 0).putShort((short) (offsetBytes | (more ? 1 : 0))).putInt(0x1234).put(payload);
        return b.array();
    }

    /** Inserts an IPv6 hop-by-hop options header (8 bytes of padding) in front of the payload. */
    static byte[] hopByHop6(byte[] packet) {
        int proto = packet[6] & 0xff;
        ByteBuffer b = ByteBuffer.allocate(packet.length + 8);
        b.put(packet, 0, 40);
        b.putShort(4, (short) (packet.length - 40 + 8));
        b.put(6, (byte) 0);
        b.position(40);
        b.put((byte) proto).put((byte) 0).put(new byte[]{1, 4, 0, 0, 0, 0}).put(packet, 40, packet.length - 40);
        return b.array();
    }

    static PacketBuffer buf(byte[] packet) {
        PacketBuffer b = PacketBuffer.allocate(PacketBuffer.HEADROOM + Math.max(packet.length, 64) + PacketBuffer.TAILROOM);
        b.copyFrom(packet, 0, PacketBuffer.HEADROOM, packet.length);
        b.set(PacketBuffer.HEADROOM, packet.length);
        return b;
    }

    static PacketHeaders parse(byte[] packet) {
        PacketHeaders h = new PacketHeaders();
        if (!h.parse(buf(packet))) {
            throw new AssertionError("test packet does not parse");
        }
        return h;
    }
}
