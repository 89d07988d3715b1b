package dev.warren.net.offload;

import dev.warren.net.testing.Allocations;
import dev.warren.net.testing.Packets;
import dev.warren.net.testing.SuperPackets;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Splitting and coalescing on pooled native buffers allocate nothing once the JIT has compiled them. */
class OffloadAllocationTest {
    @Test
    void splitAndCoalesceDoNotAllocate() {
        Packets.Tcp t = new Packets.Tcp(true);
        t.payload = Packets.pattern(1380 * 40, 1);
        t.options = new byte[12];
        byte[] sp = SuperPackets.tcp(t, 1380);
        MemorySegment in = Arena.global().allocate(sp.length);
        MemorySegment.copy(sp, 0, in, ValueLayout.JAVA_BYTE, 0, sp.length);
        MemorySegment header = Arena.global().allocate(TcpCoalescer.MAX_HEADER_BYTES);
        PacketPool pool = new PacketPool(64, 2048);
        PacketBuffer[] bufs = new PacketBuffer[64];
        for (int i = 0; i < 64; i++) {
            bufs[i] = pool.acquire();
        }
        GsoSplitter s = new GsoSplitter();
        TcpCoalescer c = new TcpCoalescer();
        long before = 0;
        int measured = 0;
        for (int round = 0; round < 40_000; round++) {
            if (round == 30_000) {
                before = Allocations.currentThread();
            }
            int n = s.plan(in, 0, in, VirtioNetHdr.SIZE, sp.length - VirtioNetHdr.SIZE);
            for (int i = 0; i < n; i++) {
                bufs[i].set(PacketBuffer.HEADROOM, s.writeSegment(in, VirtioNetHdr.SIZE, i, bufs[i].memory(),
                        PacketBuffer.HEADROOM));
            }
            assertEquals(1, c.coalesce(bufs, 0, n));
            c.writeGroupHeader(0, header, 0);
            if (round >= 30_000) {
                measured += n;
            }
        }
        double perPacket = (Allocations.currentThread() - before) / (double) measured;
        assertTrue(perPacket < 0.1, "allocates " + perPacket + " B per packet");
    }
}
