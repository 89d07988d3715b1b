package dev.warren.filter;

import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.wire.datapath.PacketBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.warren.filter.Rules.rule;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class FilterTunTest {
    private final FakeClock clock = new FakeClock();
    private final ChannelTun host = new ChannelTun("wt0");
    private final PacketFilter filter = new PacketFilter(clock);
    private final FilterTun tun = new FilterTun(host, filter, clock);

    @Test
    void writesOnlyWhatTheFilterAdmitsInOrderAndLeavesTheBatchAlone() throws Exception {
        filter.install(List.of(rule("ssh", "100.64.0.2/32", "tcp", "100.64.0.1/32:22")));
        byte[] ok1 = Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 22, Pkt.SYN);
        byte[] bad1 = Pkt.tcp("100.64.0.3", 1, "100.64.0.1", 22, Pkt.SYN);
        byte[] ok2 = Pkt.tcp("100.64.0.2", 2, "100.64.0.1", 22, Pkt.SYN);
        byte[] bad2 = Pkt.udp("100.64.0.2", 1, "100.64.0.1", 22);
        PacketBuffer[] batch = {Pkt.buf(bad1), Pkt.buf(ok1), Pkt.buf(bad1), Pkt.buf(bad2), Pkt.buf(ok2)};
        PacketBuffer[] before = batch.clone();
        tun.write(batch, 1, 4);
        assertArrayEquals(ok1, host.take(Duration.ofSeconds(1)));
        assertArrayEquals(ok2, host.take(Duration.ofSeconds(1)));
        assertNull(host.take(Duration.ofMillis(10)));
        for (int i = 0; i < batch.length; i++) {
            assertSame(before[i], batch[i], "the caller's array is untouched");
        }
        assertEquals(2, filter.snapshot().dropped());
        tun.write(new PacketBuffer[]{Pkt.buf(bad1), Pkt.buf(bad2)}, 0, 2);
        assertEquals(0, host.delivered(), "a batch of drops writes nothing");
        assertEquals(4, filter.snapshot().dropped());
    }

    @Test
    void readsRecordOutboundFlowsSoRepliesPass() throws Exception {
        filter.install(List.of());
        host.inject(Pkt.udp("100.64.0.1", 5000, "100.64.0.2", 53));
        PacketBuffer[] bufs = {PacketBuffer.allocate(2048), PacketBuffer.allocate(2048)};
        assertEquals(1, tun.read(bufs, 2));
        byte[] reply = Pkt.udp("100.64.0.2", 53, "100.64.0.1", 5000);
        tun.write(new PacketBuffer[]{Pkt.buf(reply)}, 0, 1);
        assertArrayEquals(reply, host.take(Duration.ofSeconds(1)));
    }

    @Test
    void aBatchLargerThanTheScratchArrayIsCompactedToo() throws Exception {
        filter.install(List.of(rule("u", "100.64.0.2/32", "udp", "100.64.0.1/32:*")));
        PacketBuffer[] batch = new PacketBuffer[200];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = Pkt.buf(i % 2 == 0 ? Pkt.udp("100.64.0.2", i, "100.64.0.1", 9) : Pkt.udp("100.64.0.9", i, "100.64.0.1", 9));
        }
        tun.write(batch, 0, batch.length);
        assertEquals(100, host.delivered());
        assertEquals(100, filter.snapshot().drops().get("no-rule"));
    }
}
