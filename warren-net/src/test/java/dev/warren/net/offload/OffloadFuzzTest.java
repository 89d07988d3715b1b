package dev.warren.net.offload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.net.testing.Packets;
import dev.warren.wire.datapath.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds arbitrary bytes and arbitrary virtio headers into the splitter and the coalescer. The only allowed
 * outcome for bad input is {@link GsoSplitter#MALFORMED} (or a packet passed through unchanged); any
 * exception fails. Runs its seed corpus in normal builds; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class OffloadFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void splitterAndCoalescerSurviveAnything(FuzzedDataProvider data) {
        GsoSplitter s = new GsoSplitter();
        int flags = data.consumeInt(0, 3);
        int type = data.consumeInt(0, 0x85);
        int gso = data.consumeInt(0, 70_000);
        int start = data.consumeInt(0, 70_000);
        int off = data.consumeInt(0, 70_000);
        byte[] pkt = data.consumeBytes(4096);
        MemorySegment in = MemorySegment.ofArray(pkt);
        int n = s.plan(flags, type, gso, start, off, in, 0, pkt.length);
        writeAll(s, in, n);
        List<byte[]> packets = new ArrayList<>();
        packets.add(pkt);
        while (data.remainingBytes() > 0 && packets.size() < 200) {
            packets.add(data.consumeBytes(data.consumeInt(0, 1600)));
        }
        coalesceAll(packets);
    }

    /** One fuzz input interpreted as a virtio header + packet and as a batch of packets. */
    static void exercise(byte[] data) {
        splitAll(data);
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < data.length; ) {
            int len = Math.min(data.length - i, (data[i] & 0x3f) + 20);
            packets.add(java.util.Arrays.copyOfRange(data, i, i + len));
            i += len;
        }
        coalesceAll(packets);
    }

    static void splitAll(byte[] vnetAndPacket) {
        if (vnetAndPacket.length < VirtioNetHdr.SIZE) {
            return;
        }
        GsoSplitter s = new GsoSplitter();
        MemorySegment in = MemorySegment.ofArray(vnetAndPacket);
        int n = s.plan(in, 0, in, VirtioNetHdr.SIZE, vnetAndPacket.length - VirtioNetHdr.SIZE);
        writeAll(s, in.asSlice(VirtioNetHdr.SIZE), n);
    }

    private static void writeAll(GsoSplitter s, MemorySegment in, int n) {
        if (n == GsoSplitter.MALFORMED) {
            return;
        }
        if (n < 1) {
            throw new AssertionError("plan returned " + n);
        }
        for (int i = 0; i < n; i++) {
            int len = s.segmentLength(i);
            if (len < 0 || len > 65535) {
                throw new AssertionError("segment length " + len);
            }
            byte[] out = new byte[len];
            if (s.writeSegment(in, 0, i, MemorySegment.ofArray(out), 0) != len) {
                throw new AssertionError("length mismatch");
            }
        }
    }

    static void coalesceAll(List<byte[]> packets) {
        PacketBuffer[] bufs = Packets.buffers(packets.toArray(byte[][]::new));
        TcpCoalescer c = new TcpCoalescer();
        for (int from = 0; from < bufs.length; from += TcpCoalescer.MAX_PACKETS) {
            int groups = c.coalesce(bufs, from, Math.min(TcpCoalescer.MAX_PACKETS, bufs.length - from));
            int members = 0;
            for (int g = 0; g < groups; g++) {
                byte[] w = new byte[VirtioNetHdr.SIZE + c.groupLength(g)];
                c.writeGroup(g, MemorySegment.ofArray(w), 0);
                members += c.groupSize(g);
                if (c.groupSize(g) > 1) {
                    // Whatever the coalescer builds, the splitter must accept and give back as many packets.
                    List<byte[]> back = OffloadHarness.split(w);
                    if (back == null || back.size() != c.groupSize(g)) {
                        throw new AssertionError("coalesced group does not split back");
                    }
                }
            }
            if (members != Math.min(TcpCoalescer.MAX_PACKETS, bufs.length - from)) {
                throw new AssertionError("packets lost or duplicated");
            }
        }
    }
}
