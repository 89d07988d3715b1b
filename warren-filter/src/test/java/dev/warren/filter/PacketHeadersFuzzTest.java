package dev.warren.filter;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.datapath.PacketBuffer;

import java.util.List;

import static dev.warren.filter.Rules.rule;

/**
 * Arbitrary bytes through the whole inbound and outbound path (header parsing, ICMP quotes, IPv6 extension
 * headers, fragments, rule lookup, flow table): nothing may throw; a malformed packet is only ever a counted drop.
 * Runs its seed corpus in normal builds; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class PacketHeadersFuzzTest {
    private static final PacketFilter FILTER = new PacketFilter(new dev.warren.testing.FakeClock());

    static {
        FILTER.install(List.of(rule("a", "0.0.0.0/0,::/0", "", "100.64.0.1/32:22,[fd7a::1/128]:22"),
                rule("b", "100.64.0.0/10", "udp,icmp,132", "100.64.0.0/10:1-1000")));
    }

    @FuzzTest(maxDuration = "30s")
    void anyBytesAreParsedOrRejectedWithoutThrowing(FuzzedDataProvider data) {
        boolean first = data.consumeBoolean();
        int version = data.consumeInt(0, 2);
        byte[] pkt = data.consumeRemainingAsBytes();
        if (pkt.length > 0 && version > 0) {
            pkt[0] = (byte) ((version == 1 ? 0x40 : 0x60) | (pkt[0] & 0x0f)); // steer towards the IP parsers
        }
        PacketBuffer b = PacketBuffer.allocate(PacketBuffer.HEADROOM + pkt.length + PacketBuffer.TAILROOM);
        b.copyFrom(pkt, 0, PacketBuffer.HEADROOM, pkt.length);
        b.set(PacketBuffer.HEADROOM, pkt.length);
        PacketFilter.Cursor c = FILTER.newCursor();
        if (first) {
            c.outbound(b);
        }
        c.inbound(b);
        c.outbound(b);
        PacketHeaders h = new PacketHeaders();
        if (h.parse(b)) {
            StringBuilder sb = new StringBuilder();
            h.describe(sb);
        }
    }
}
