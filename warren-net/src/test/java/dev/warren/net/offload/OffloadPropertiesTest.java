package dev.warren.net.offload;

import dev.warren.net.testing.Packets;
import dev.warren.net.testing.SuperPackets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffloadPropertiesTest {

    @Property(tries = 300)
    void tcpSplitThenCoalesceGivesBackTheStream(@ForAll boolean v6, @ForAll @IntRange(min = 1, max = 60_000) int payload,
                                                 @ForAll @IntRange(min = 1, max = 9000) int mss,
                                                 @ForAll @IntRange(min = 0, max = 10) int optionWords,
                                                 @ForAll("lastFlags") int lastFlags, @ForAll long seed) {
        Random r = new Random(seed);
        Packets.Tcp t = new Packets.Tcp(v6);
        t.payload = new byte[payload];
        r.nextBytes(t.payload);
        t.options = new byte[optionWords * 4];
        r.nextBytes(t.options);
        t.seq = r.nextLong() & 0xffffffffL;
        t.ack = r.nextLong() & 0xffffffffL;
        t.ipId = r.nextInt(65536);
        t.df = r.nextBoolean();
        t.flags = Packets.ACK | lastFlags;
        List<byte[]> segments = OffloadHarness.split(SuperPackets.tcp(t, mss));
        List<byte[]> expected = SuperPackets.tcpSegments(t, mss);
        assertEquals(expected.size(), segments.size());
        for (int i = 0; i < segments.size(); i++) {
            assertTrue(Packets.checksumsValid(segments.get(i)), "checksums of segment " + i);
            assertArrayEquals(expected.get(i), segments.get(i), "segment " + i);
        }
        // Coalesce again (as the receiving side's TUN write would) and split (as the peer kernel would).
        List<byte[]> back = OffloadHarness.roundTrip(segments);
        assertEquals(segments.size(), back.size());
        for (int i = 0; i < segments.size(); i++) {
            assertArrayEquals(segments.get(i), back.get(i), "after coalescing, segment " + i);
        }
        int hdr = (v6 ? 40 : 20) + 20 + t.options.length;
        assertArrayEquals(t.payload, GsoSplitterTest.payloads(back, hdr));
    }

    @Provide
    Arbitrary<Integer> lastFlags() {
        return Arbitraries.of(0, Packets.PSH, Packets.FIN, Packets.PSH | Packets.FIN, Packets.CWR);
    }

    @Property(tries = 200)
    void udpSplitsWithValidChecksums(@ForAll boolean v6, @ForAll @IntRange(min = 0, max = 60_000) int payload,
                                     @ForAll @IntRange(min = 1, max = 9000) int gso, @ForAll long seed) {
        byte[] data = new byte[payload];
        new Random(seed).nextBytes(data);
        List<byte[]> segments = OffloadHarness.split(SuperPackets.udp(v6, data, gso, 9));
        List<byte[]> expected = SuperPackets.udpSegments(v6, data, gso, 9);
        assertEquals(expected.size(), segments.size());
        for (int i = 0; i < segments.size(); i++) {
            assertTrue(Packets.checksumsValid(segments.get(i)));
            assertArrayEquals(expected.get(i), segments.get(i));
        }
    }

    @Property(tries = 300)
    void checksumMatchesTheNaiveOne(@ForAll @Size(max = 3000) byte[] data, @ForAll @IntRange(min = 0, max = 7) int offset) {
        byte[] padded = new byte[data.length + offset];
        System.arraycopy(data, 0, padded, offset, data.length);
        int fast = Checksum.finish(Checksum.add(MemorySegment.ofArray(padded), offset, data.length, 0));
        assertEquals(Packets.checksum(padded, offset, data.length, 0), fast);
    }

    /** Arbitrary bytes never make the splitter or coalescer throw. */
    @Property(tries = 3000)
    void arbitraryBytesNeverThrow(@ForAll @Size(max = 200) byte[] data) {
        OffloadFuzzTest.exercise(data);
    }

    /** Valid packets with random corruption never make them throw either (reaches deeper than random bytes). */
    @Property(tries = 2000)
    void corruptedPacketsNeverThrow(@ForAll boolean v6, @ForAll @IntRange(min = 0, max = 4000) int payload,
                                    @ForAll @IntRange(min = 1, max = 20) int flips, @ForAll long seed) {
        Random r = new Random(seed);
        Packets.Tcp t = new Packets.Tcp(v6);
        t.payload = Packets.pattern(payload, 1);
        byte[] sp = SuperPackets.tcp(t, 1 + r.nextInt(1500));
        for (int i = 0; i < flips; i++) {
            sp[r.nextInt(Math.min(sp.length, 80))] ^= (byte) (1 << r.nextInt(8));
        }
        OffloadFuzzTest.splitAll(sp);
        OffloadHarness.coalesce(List.of(java.util.Arrays.copyOfRange(sp, 10, sp.length), sp));
    }
}
