package dev.warren.node.internal;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;
import dev.warren.wire.time.Clock;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link TunDevice} decorator that takes the echo replies of the node's own pings out of the engine's
 * write path, so they never reach the kernel.
 *
 * <pre>
 * write(bufs)
 * 1. no ping outstanding → hand the batch to the real device unchanged (one volatile read of overhead)
 * 2. otherwise look at each packet: an ICMP/ICMPv6 echo reply whose (family, id, seq) is awaited completes
 *    that ping's future with the arrival time and is left out; the other packets are written in runs
 * </pre>
 * Requests go the other way through {@link dev.warren.wireguard.Device#injectOutbound}; reading is untouched.
 *
 * <p>Concurrency: {@code pending} is a concurrent map; write may be called from several engine threads.
 */
public final class PingTun implements TunDevice {
    private final TunDevice tun;
    private final Clock clock;
    private final ConcurrentHashMap<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();

    public PingTun(TunDevice tun, Clock clock) {
        this.tun = tun;
        this.clock = clock;
    }

    /** Registers interest in the reply with {@code key} (see {@link Icmp#key}); completes with the clock's nanoTime. */
    public CompletableFuture<Long> expect(long key) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        pending.put(key, f);
        return f;
    }

    public void forget(long key) {
        pending.remove(key);
    }

    @Override
    public String name() {
        return tun.name();
    }

    @Override
    public int mtu() {
        return tun.mtu();
    }

    @Override
    public int read(PacketBuffer[] bufs, int max) throws IOException {
        return tun.read(bufs, max);
    }

    @Override
    public void write(PacketBuffer[] bufs, int from, int count) throws IOException {
        if (pending.isEmpty()) {
            tun.write(bufs, from, count);
            return;
        }
        int runStart = from;
        int end = from + count;
        for (int i = from; i < end; i++) {
            long k = Icmp.echoReplyKey(bufs[i]);
            CompletableFuture<Long> f = k < 0 ? null : pending.remove(k);
            if (f != null) {
                f.complete(clock.nanoTime());
                if (i > runStart) {
                    tun.write(bufs, runStart, i - runStart);
                }
                runStart = i + 1;
            }
        }
        if (end > runStart) {
            tun.write(bufs, runStart, end - runStart);
        }
    }

    @Override
    public int batchSize() {
        return tun.batchSize();
    }

    @Override
    public void close() {
        tun.close();
    }
}
