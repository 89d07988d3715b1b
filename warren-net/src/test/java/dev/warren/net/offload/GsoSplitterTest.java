package dev.warren.net.offload;

import dev.warren.net.testing.Packets;
import dev.warren.net.testing.SuperPackets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsoSplitterTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tcpSuperPacketSplitsIntoWhatTheKernelWouldSend(boolean v6) {
        Packets.Tcp t = new Packets.Tcp(v6);
        t.payload = Packets.pattern(10_000, 3);
        t.flags = Packets.ACK | Packets.PSH | Packets.CWR;
        t.seq = 0xffff_f000L; // wraps
        t.ipId = 0xfffe;      // wraps
        t.options = new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
        List<byte[]> got = OffloadHarness.split(SuperPackets.tcp(t, 1388));
        List<byte[]> want = SuperPackets.tcpSegments(t, 1388);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "segment " + i);
            assertTrue(Packets.checksumsValid(got.get(i)), "checksums of segment " + i);
        }
        int l4 = v6 ? 40 : 20;
        assertEquals(Packets.ACK | Packets.CWR, got.get(0)[l4 + 13] & 0xff);
        assertEquals(Packets.ACK, got.get(1)[l4 + 13] & 0xff);
        assertEquals(Packets.ACK | Packets.PSH, got.getLast()[l4 + 13] & 0xff);
        assertArrayEquals(t.payload, payloads(got, l4 + 32));
    }

    @Test
    void finOnlyOnTheLastSegment() {
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(3000, 1);
        t.flags = Packets.ACK | Packets.FIN;
        List<byte[]> got = OffloadHarness.split(SuperPackets.tcp(t, 1000));
        assertEquals(3, got.size());
        assertEquals(Packets.ACK, got.get(0)[33] & 0xff);
        assertEquals(Packets.ACK, got.get(1)[33] & 0xff);
        assertEquals(Packets.ACK | Packets.FIN, got.get(2)[33] & 0xff);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void udpSuperPacketSplits(boolean v6) {
        byte[] payload = Packets.pattern(5000, 9);
        List<byte[]> got = OffloadHarness.split(SuperPackets.udp(v6, payload, 1200, 77));
        List<byte[]> want = SuperPackets.udpSegments(v6, payload, 1200, 77);
        assertEquals(5, got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "segment " + i);
            assertTrue(Packets.checksumsValid(got.get(i)));
        }
        assertArrayEquals(payload, payloads(got, (v6 ? 40 : 20) + 8));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void partialChecksumOfAPlainPacketIsCompleted(boolean v6) {
        Packets.Tcp t = new Packets.Tcp(v6);
        t.payload = Packets.pattern(333, 2);
        byte[] full = t.build();
        byte[] withHdr = SuperPackets.tcp(t, 1400);
        // Same packet, but GSO_NONE + NEEDS_CSUM as the kernel sends small packets.
        withHdr[1] = 0;
        List<byte[]> got = OffloadHarness.split(withHdr);
        assertEquals(1, got.size());
        assertArrayEquals(full, got.getFirst());
    }

    @Test
    void plainPacketWithoutFlagsIsCopiedUnchanged() {
        byte[] pkt = Packets.udp(false, 1, 2, Packets.pattern(100, 0), 5);
        pkt[pkt.length - 1] ^= 1; // wrong checksum stays wrong
        byte[] in = SuperPackets.concat(new byte[10], pkt);
        assertArrayEquals(pkt, OffloadHarness.split(in).getFirst());
    }

    @Test
    void gsoPacketThatFitsOneSegmentStillComesOutWithAFullChecksum() {
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(500, 4);
        List<byte[]> got = OffloadHarness.split(SuperPackets.tcp(t, 1400));
        assertEquals(1, got.size());
        assertArrayEquals(t.build(), got.getFirst());
    }

    @Test
    void malformedInputIsReported() {
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(3000, 1);
        byte[] good = SuperPackets.tcp(t, 1000);

        byte[] zeroGso = good.clone();
        zeroGso[4] = 0;
        zeroGso[5] = 0;
        assertNull(OffloadHarness.split(zeroGso));

        byte[] wrongType = good.clone();
        wrongType[1] = 4; // TCPV6 on an IPv4 packet
        assertNull(OffloadHarness.split(wrongType));

        byte[] ufo = good.clone();
        ufo[1] = 3;
        assertNull(OffloadHarness.split(ufo));

        byte[] truncated = java.util.Arrays.copyOf(good, 40);
        assertNull(OffloadHarness.split(truncated));

        byte[] badStart = good.clone();
        badStart[6] = 24; // csum_start past the IPv4 header
        assertNull(OffloadHarness.split(badStart));

        byte[] badOffset = good.clone();
        badOffset[8] = 6; // UDP checksum offset for TCP
        assertNull(OffloadHarness.split(badOffset));

        byte[] shortPlain = SuperPackets.concat(SuperPackets.vnetHeader(1, 0, 0, 0, 50, 16), new byte[40]);
        assertNull(OffloadHarness.split(shortPlain));
    }

    @Test
    void trailingBytesAfterTheIpLengthAreIgnored() {
        Packets.Tcp t = new Packets.Tcp(true);
        t.payload = Packets.pattern(2500, 5);
        byte[] padded = SuperPackets.concat(SuperPackets.tcp(t, 1000), new byte[7]);
        List<byte[]> got = OffloadHarness.split(padded);
        assertEquals(SuperPackets.tcpSegments(t, 1000).size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(SuperPackets.tcpSegments(t, 1000).get(i), got.get(i));
        }
    }

    @Test
    void remainderCanBeWrittenLater() {
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(5000, 8);
        byte[] sp = SuperPackets.tcp(t, 1000);
        GsoSplitter s = new GsoSplitter();
        java.lang.foreign.MemorySegment in = java.lang.foreign.MemorySegment.ofArray(sp);
        assertEquals(5, s.plan(in, 0, in, 10, sp.length - 10));
        List<byte[]> want = SuperPackets.tcpSegments(t, 1000);
        for (int i = 4; i >= 0; i--) { // any order: the source is not modified
            byte[] seg = new byte[s.segmentLength(i)];
            s.writeSegment(in, 10, i, java.lang.foreign.MemorySegment.ofArray(seg), 0);
            assertArrayEquals(want.get(i), seg);
        }
    }

    static byte[] payloads(List<byte[]> segments, int hdrLen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : segments) {
            out.write(s, hdrLen, s.length - hdrLen);
        }
        return out.toByteArray();
    }
}
