package dev.warren.net.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.warren.net.testing.Packets.put16;

/**
 * Builds what a TUN device with offloads hands to userspace: a 10-byte little-endian virtio_net_hdr and a TCP
 * or UDP super-packet whose checksum field holds only the folded pseudo-header sum (CHECKSUM_PARTIAL), and the
 * segments the kernel would have put on the wire instead.
 */
public final class SuperPackets {
    private SuperPackets() {
    }

    public static byte[] vnetHeader(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] h = new byte[10];
        h[0] = (byte) flags;
        h[1] = (byte) gsoType;
        le16(h, 2, hdrLen);
        le16(h, 4, gsoSize);
        le16(h, 6, csumStart);
        le16(h, 8, csumOffset);
        return h;
    }

    static void le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static int fold(long sum) {
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    /** The TCP super-packet of template {@code t} (whole payload) cut at {@code mss}, with its virtio header. */
    public static byte[] tcp(Packets.Tcp t, int mss) {
        byte[] pkt = t.build();
        int l4 = t.v6 ? 40 : 20;
        put16(pkt, l4 + 16, fold(Packets.pseudoSum(pkt, t.v6, 6, pkt.length - l4)));
        byte[] h = vnetHeader(1, t.v6 ? 4 : 1, l4 + 20 + t.options.length, mss, l4, 16);
        return concat(h, pkt);
    }

    /** The segments a kernel would send for {@link #tcp}. */
    public static List<byte[]> tcpSegments(Packets.Tcp t, int mss) {
        List<byte[]> out = new ArrayList<>();
        int n = Math.max(1, (t.payload.length + mss - 1) / mss);
        for (int i = 0; i < n; i++) {
            Packets.Tcp s = t.copy();
            s.seq = (t.seq + (long) i * mss) & 0xffffffffL;
            s.ipId = (t.ipId + i) & 0xffff;
            s.payload = Arrays.copyOfRange(t.payload, Math.min(i * mss, t.payload.length),
                    Math.min((i + 1) * mss, t.payload.length));
            int f = t.flags;
            if (i != n - 1) {
                f &= ~(Packets.FIN | Packets.PSH);
            }
            if (i != 0) {
                f &= ~Packets.CWR;
            }
            s.flags = f;
            out.add(s.build());
        }
        return out;
    }

    /** A UDP (USO) super-packet with its virtio header. */
    public static byte[] udp(boolean v6, byte[] payload, int gso, int ipId) {
        byte[] pkt = Packets.udp(v6, 1234, 4321, payload, ipId);
        int l4 = v6 ? 40 : 20;
        put16(pkt, l4 + 6, fold(Packets.pseudoSum(pkt, v6, 17, pkt.length - l4)));
        return concat(vnetHeader(1, 5, l4 + 8, gso, l4, 6), pkt);
    }

    public static List<byte[]> udpSegments(boolean v6, byte[] payload, int gso, int ipId) {
        List<byte[]> out = new ArrayList<>();
        int n = Math.max(1, (payload.length + gso - 1) / gso);
        for (int i = 0; i < n; i++) {
            byte[] part = Arrays.copyOfRange(payload, Math.min(i * gso, payload.length), Math.min((i + 1) * gso, payload.length));
            out.add(Packets.udp(v6, 1234, 4321, part, (ipId + i) & 0xffff));
        }
        return out;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
