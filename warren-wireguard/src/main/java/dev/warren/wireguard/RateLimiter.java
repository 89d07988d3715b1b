package dev.warren.wireguard;

import dev.warren.wire.time.Clock;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Per-source token buckets for handshake messages while the device is under load: 20 messages per second
 * per IPv4 address or IPv6 /64, bursts of 5. Buckets idle for a second are forgotten, so memory stays bounded
 * by the sources active in the last second.
 *
 * <p>Concurrency: guarded by {@code this}.
 */
final class RateLimiter {
    static final long PACKET_COST = Protocol.SECOND / 20;
    static final long MAX_TOKENS = PACKET_COST * 5;
    private static final long GC_INTERVAL = Protocol.SECOND;

    private static final class Bucket {
        long tokens;
        long last;
    }

    private final Clock clock;
    // guarded by this
    private final Map<Long, Bucket> v4 = new HashMap<>();
    // guarded by this
    private final Map<Long, Bucket> v6 = new HashMap<>();
    // guarded by this
    private long lastGc;

    RateLimiter(Clock clock) {
        this.clock = clock;
        this.lastGc = clock.nanoTime();
    }

    /** True when a message from {@code addr} (4 or 16 bytes) may be processed now. */
    synchronized boolean allow(byte[] addr, int len) {
        long now = clock.nanoTime();
        if (now - lastGc > GC_INTERVAL) {
            gc(now);
        }
        Map<Long, Bucket> map = len == 4 ? v4 : v6;
        long key = 0;
        for (int i = 0; i < Math.min(len, 8); i++) {
            key = (key << 8) | (addr[i] & 0xff);
        }
        Bucket b = map.get(key);
        if (b == null) {
            b = new Bucket();
            b.tokens = MAX_TOKENS - PACKET_COST;
            b.last = now;
            map.put(key, b);
            return true;
        }
        b.tokens = Math.min(MAX_TOKENS, b.tokens + (now - b.last));
        b.last = now;
        if (b.tokens > PACKET_COST) {
            b.tokens -= PACKET_COST;
            return true;
        }
        return false;
    }

    private void gc(long now) {
        lastGc = now;
        for (Map<Long, Bucket> m : java.util.List.of(v4, v6)) {
            for (Iterator<Bucket> it = m.values().iterator(); it.hasNext(); ) {
                if (now - it.next().last > GC_INTERVAL) {
                    it.remove();
                }
            }
        }
    }

    synchronized int size() {
        return v4.size() + v6.size();
    }
}
