package dev.warren.net.offload;

import dev.warren.net.testing.Packets;
import dev.warren.wire.datapath.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Runs the splitter and coalescer on byte arrays; shared by unit, property and fuzz tests. */
final class OffloadHarness {
    private OffloadHarness() {
    }

    /** Splits {@code vnetAndPacket} (10-byte header + packet); null when the splitter reports MALFORMED. */
    static List<byte[]> split(byte[] vnetAndPacket) {
        return split(new GsoSplitter(), vnetAndPacket);
    }

    static List<byte[]> split(GsoSplitter s, byte[] vnetAndPacket) {
        MemorySegment in = MemorySegment.ofArray(vnetAndPacket);
        if (vnetAndPacket.length < VirtioNetHdr.SIZE) {
            return null;
        }
        int n = s.plan(in, 0, in, VirtioNetHdr.SIZE, vnetAndPacket.length - VirtioNetHdr.SIZE);
        if (n == GsoSplitter.MALFORMED) {
            return null;
        }
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] seg = new byte[s.segmentLength(i)];
            int len = s.writeSegment(in, VirtioNetHdr.SIZE, i, MemorySegment.ofArray(seg), 0);
            if (len != seg.length) {
                throw new AssertionError("segment length " + len + " != planned " + seg.length);
            }
            out.add(seg);
        }
        return out;
    }

    /** Coalesces {@code packets} and returns each group as it would be written to the TUN (virtio header + packet). */
    static List<byte[]> coalesce(List<byte[]> packets) {
        return coalesce(new TcpCoalescer(), Packets.buffers(packets.toArray(byte[][]::new)));
    }

    static List<byte[]> coalesce(TcpCoalescer c, PacketBuffer[] bufs) {
        List<byte[]> out = new ArrayList<>();
        for (int from = 0; from < bufs.length; from += TcpCoalescer.MAX_PACKETS) {
            int count = Math.min(TcpCoalescer.MAX_PACKETS, bufs.length - from);
            int groups = c.coalesce(bufs, from, count);
            for (int g = 0; g < groups; g++) {
                byte[] w = new byte[VirtioNetHdr.SIZE + c.groupLength(g)];
                int len = c.writeGroup(g, MemorySegment.ofArray(w), 0);
                if (len != w.length) {
                    throw new AssertionError("group length " + len + " != " + w.length);
                }
                out.add(w);
            }
        }
        return out;
    }

    /** Group sizes of the last coalesce run over {@code packets}. */
    static int[] groupSizes(List<byte[]> packets) {
        TcpCoalescer c = new TcpCoalescer();
        PacketBuffer[] bufs = Packets.buffers(packets.toArray(byte[][]::new));
        int groups = c.coalesce(bufs, 0, bufs.length);
        int[] sizes = new int[groups];
        for (int g = 0; g < groups; g++) {
            sizes[g] = c.groupSize(g);
        }
        return sizes;
    }

    /** Writes the group output back through the splitter: what a reader of the peer TUN would see. */
    static List<byte[]> roundTrip(List<byte[]> packets) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] w : coalesce(packets)) {
            List<byte[]> parts = split(w);
            if (parts == null) {
                throw new AssertionError("coalescer produced a packet the splitter rejects");
            }
            out.addAll(parts);
        }
        return out;
    }
}
