package dev.warren.net.offload;

import dev.warren.net.testing.Packets;
import dev.warren.net.testing.SuperPackets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpCoalescerTest {

    static List<byte[]> stream(boolean v6, int bytes, int mss, int lastFlags) {
        Packets.Tcp t = new Packets.Tcp(v6);
        t.payload = Packets.pattern(bytes, 11);
        t.flags = Packets.ACK | lastFlags;
        t.df = false; // ids must then be consecutive, which tcpSegments produces
        return SuperPackets.tcpSegments(t, mss);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void segmentsOfOneFlowBecomeOneSuperPacketAndSplitBackIdentically(boolean v6) {
        List<byte[]> segs = stream(v6, 20_000, 1360, Packets.PSH);
        List<byte[]> written = OffloadHarness.coalesce(segs);
        assertEquals(1, written.size());
        byte[] w = written.getFirst();
        assertEquals(1, w[0]); // NEEDS_CSUM
        assertEquals(v6 ? 4 : 1, w[1]);
        assertEquals(1360, (w[4] & 0xff) | (w[5] & 0xff) << 8);
        List<byte[]> back = OffloadHarness.split(w);
        assertEquals(segs.size(), back.size());
        for (int i = 0; i < segs.size(); i++) {
            assertArrayEquals(segs.get(i), back.get(i), "segment " + i);
        }
    }

    @Test
    void superPacketMatchesWhatTheKernelWouldHaveSent() {
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(8000, 2);
        t.df = true;
        byte[] kernel = SuperPackets.tcp(t, 1000);
        List<byte[]> written = OffloadHarness.coalesce(SuperPackets.tcpSegments(t, 1000));
        assertEquals(1, written.size());
        assertArrayEquals(kernel, written.getFirst());
    }

    @Test
    void aPacketWithABadChecksumIsWrittenAloneAndUnchanged() {
        List<byte[]> segs = new ArrayList<>(stream(false, 6000, 1000, 0));
        byte[] bad = segs.get(3).clone();
        bad[bad.length - 1] ^= 0x55;
        segs.set(3, bad);
        List<byte[]> written = OffloadHarness.coalesce(segs);
        assertArrayEquals(new int[] {3, 1, 2}, OffloadHarness.groupSizes(segs));
        byte[] alone = written.get(1);
        assertEquals(0, alone[0]);
        assertEquals(0, alone[1]);
        assertArrayEquals(bad, Arrays.copyOfRange(alone, 10, alone.length));
    }

    @Test
    void badIpv4HeaderChecksumIsNotCoalesced() {
        List<byte[]> segs = new ArrayList<>(stream(false, 3000, 1000, 0));
        byte[] bad = segs.get(1).clone();
        bad[10] ^= 1;
        segs.set(1, bad);
        assertArrayEquals(new int[] {1, 1, 1}, OffloadHarness.groupSizes(segs));
    }

    @Test
    void pshAndShortSegmentsEndAGroup() {
        List<byte[]> a = stream(false, 2500, 1000, Packets.PSH); // 1000, 1000, 500+PSH
        Packets.Tcp t = new Packets.Tcp(false);
        t.payload = Packets.pattern(3000, 5);
        t.seq = 1000 + 2500;
        t.ipId = 103;
        t.df = false;
        List<byte[]> b = SuperPackets.tcpSegments(t, 1000);
        List<byte[]> all = new ArrayList<>(a);
        all.addAll(b);
        assertArrayEquals(new int[] {3, 3}, OffloadHarness.groupSizes(all));
    }

    @Test
    void differentAckWindowOrOptionsBreakTheGroup() {
        for (int field : new int[] {0, 1, 2}) {
            List<byte[]> segs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Packets.Tcp t = new Packets.Tcp(true);
                t.payload = Packets.pattern(1000, i);
                t.seq = 1000 + 1000L * i;
                t.options = new byte[] {1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6};
                if (i >= 2) {
                    switch (field) {
                        case 0 -> t.ack = 9999;
                        case 1 -> t.window = 100;
                        default -> t.options = new byte[] {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 6};
                    }
                }
                segs.add(t.build());
            }
            assertArrayEquals(new int[] {2, 2}, OffloadHarness.groupSizes(segs), "field " + field);
        }
    }

    @Test
    void aGapInSequenceNumbersBreaksTheGroup() {
        List<byte[]> segs = new ArrayList<>(stream(true, 4000, 1000, 0));
        segs.remove(2);
        assertArrayEquals(new int[] {2, 1}, OffloadHarness.groupSizes(segs));
    }

    @Test
    void ipv4IdsMustBeConsecutiveUnlessDfIsSet() {
        List<byte[]> segs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Packets.Tcp t = new Packets.Tcp(false);
            t.payload = Packets.pattern(1000, i);
            t.seq = 1000 + 1000L * i;
            t.ipId = 500; // all the same
            t.df = false;
            segs.add(t.build());
        }
        assertArrayEquals(new int[] {1, 1, 1}, OffloadHarness.groupSizes(segs));
        for (int i = 0; i < 3; i++) {
            segs.set(i, withDf(segs.get(i)));
        }
        assertArrayEquals(new int[] {3}, OffloadHarness.groupSizes(segs));
    }

    private static byte[] withDf(byte[] p) {
        byte[] q = p.clone();
        q[6] |= 0x40;
        q[10] = 0;
        q[11] = 0;
        Packets.put16(q, 10, Packets.checksum(q, 0, 20, 0));
        return q;
    }

    @Test
    void interleavedFlowsAreGroupedPerFlowWithoutReorderingAFlow() {
        List<byte[]> a = stream(false, 5000, 1000, 0);
        Packets.Tcp t = new Packets.Tcp(false);
        t.srcPort = 40001;
        t.payload = Packets.pattern(5000, 6);
        t.df = false;
        List<byte[]> b = SuperPackets.tcpSegments(t, 1000);
        List<byte[]> mixed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mixed.add(a.get(i));
            mixed.add(b.get(i));
        }
        assertArrayEquals(new int[] {5, 5}, OffloadHarness.groupSizes(mixed));
        List<byte[]> back = OffloadHarness.roundTrip(mixed);
        assertEquals(10, back.size());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(a.get(i), back.get(i));
            assertArrayEquals(b.get(i), back.get(5 + i));
        }
    }

    @Test
    void finOrPureAckOfTheFlowClosesTheOpenGroup() {
        List<byte[]> segs = new ArrayList<>(stream(false, 3000, 1000, 0));
        Packets.Tcp fin = new Packets.Tcp(false);
        fin.seq = 4000;
        fin.ipId = 103;
        fin.df = false;
        fin.flags = Packets.ACK | Packets.FIN;
        segs.add(2, fin.build()); // FIN in the middle (nonsense, but must not be overtaken)
        assertArrayEquals(new int[] {2, 1, 1}, OffloadHarness.groupSizes(segs));
    }

    @Test
    void nonTcpAndUnparsablePacketsPassThroughInOrder() {
        List<byte[]> segs = new ArrayList<>(stream(false, 3000, 1000, 0));
        byte[] udp = Packets.udp(false, 1, 2, Packets.pattern(50, 1), 1);
        byte[] junk = {0x45, 0, 0, 5, 1};
        segs.add(1, udp);
        segs.add(junk);
        List<byte[]> written = OffloadHarness.coalesce(segs);
        assertArrayEquals(new int[] {3, 1, 1}, OffloadHarness.groupSizes(segs));
        assertArrayEquals(udp, Arrays.copyOfRange(written.get(1), 10, written.get(1).length));
        assertArrayEquals(junk, Arrays.copyOfRange(written.get(2), 10, written.get(2).length));
    }

    @Test
    void fragmentsOfUnknownFlowsCloseAllGroups() {
        List<byte[]> segs = new ArrayList<>(stream(false, 3000, 1000, 0));
        byte[] frag = segs.get(0).clone();
        frag[6] = 0x20; // MF
        segs.add(1, frag);
        assertArrayEquals(new int[] {1, 1, 2}, OffloadHarness.groupSizes(segs));
    }

    @Test
    void groupsStayWithin64KiB() {
        List<byte[]> segs = stream(false, 200_000, 1448, 0);
        List<byte[]> written = OffloadHarness.coalesce(segs);
        int total = 0;
        for (byte[] w : written) {
            assertTrue(w.length - 10 <= 65535);
            total += OffloadHarness.split(w).size();
        }
        assertEquals(segs.size(), total);
        assertEquals(OffloadHarness.roundTrip(segs).size(), segs.size());
    }

    @Test
    void synAndRstAreNeverCoalesced() {
        for (int flag : new int[] {Packets.SYN, Packets.RST, Packets.URG, Packets.ECE, Packets.CWR}) {
            List<byte[]> segs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Packets.Tcp t = new Packets.Tcp(false);
                t.payload = Packets.pattern(100, i);
                t.seq = 1000 + 100L * i;
                t.flags = Packets.ACK | flag;
                segs.add(t.build());
            }
            assertArrayEquals(new int[] {1, 1, 1}, OffloadHarness.groupSizes(segs), "flag " + flag);
        }
    }
}
