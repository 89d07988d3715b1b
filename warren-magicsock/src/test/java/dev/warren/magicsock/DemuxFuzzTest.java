package dev.warren.magicsock;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.stun.StunMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes the demultiplexer: it never throws, the array and packet-buffer forms agree for every datagram (at any
 * offset), and its answer matches the layout rules: disco iff {@link DiscoFrame#looksLikeDisco}; otherwise STUN
 * iff {@link StunMessage#looksLikeStun}; otherwise WireGuard iff byte 0 is 1..4 and bytes 1..3 are zero.
 *
 * <p>To fuzz: {@code JAZZER_FUZZ=1 mvn test -pl warren-magicsock -Dtest=DemuxFuzzTest}.
 */
class DemuxFuzzTest {
    private static final PacketBuffer BUF = PacketBuffer.allocate(70_000);

    @FuzzTest(maxDuration = "60s")
    void classificationFollowsTheLayoutRules(byte[] d) {
        Demux.Kind k = Demux.classify(d, 0, d.length);
        Demux.Kind expected;
        if (DiscoFrame.looksLikeDisco(d, 0, d.length)) {
            expected = Demux.Kind.DISCO;
        } else if (StunMessage.looksLikeStun(d, 0, d.length)) {
            expected = Demux.Kind.STUN;
        } else if (d.length >= 4 && d[0] >= 1 && d[0] <= 4 && d[1] == 0 && d[2] == 0 && d[3] == 0) {
            expected = Demux.Kind.WIREGUARD;
        } else {
            expected = Demux.Kind.JUNK;
        }
        assertEquals(expected, k);
        int off = d.length % 7;
        BUF.copyFrom(d, 0, off, d.length);
        BUF.set(off, d.length);
        assertEquals(k, Demux.classify(BUF), "packet-buffer form disagrees");
    }
}
