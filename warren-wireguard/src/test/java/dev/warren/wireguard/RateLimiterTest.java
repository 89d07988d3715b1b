package dev.warren.wireguard;

import dev.warren.testing.FakeClock;
import dev.warren.wire.net.IpAddresses;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake rate limiter: a token bucket per IPv4 address and per IPv6 /64, 20 messages per second with
 * bursts of 5, buckets forgotten after a second of idleness. Time is fake; requests in a burst are a microsecond
 * apart, as on a real host (at one and the same nanosecond the burst is 4, exactly as in wireguard-go, whose
 * refill compares with {@code >}; the kernel's {@code >=} gives 5).
 */
class RateLimiterTest {
    private final FakeClock clock = new FakeClock();
    private final RateLimiter limiter = new RateLimiter(clock);

    private boolean allow(String ip) {
        byte[] a = IpAddresses.parse(ip);
        return limiter.allow(a, a.length);
    }

    private int burst(String ip, int tries) {
        int allowed = 0;
        for (int i = 0; i < tries; i++) {
            if (allow(ip)) {
                allowed++;
            }
            clock.advance(Duration.ofNanos(1000));
        }
        return allowed;
    }

    @Test
    void burstOfFiveThenTwentyPerSecond() {
        assertEquals(5, burst("192.0.2.1", 50), "a burst of 5");
        clock.advance(Duration.ofMillis(49));
        assertFalse(allow("192.0.2.1"), "not yet refilled after 49 ms");
        clock.advance(Duration.ofMillis(2));
        assertTrue(allow("192.0.2.1"), "one more after 50 ms");
        assertFalse(allow("192.0.2.1"));

        int allowed = 0;
        for (int i = 0; i < 1000; i++) { // 10 s at 100 requests per second
            clock.advance(Duration.ofMillis(10));
            if (allow("192.0.2.1")) {
                allowed++;
            }
        }
        assertTrue(allowed >= 199 && allowed <= 201, "about 20 per second over 10 s: " + allowed);
    }

    @Test
    void atOneInstantTheBurstIsFourAsInWireguardGo() {
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            if (allow("192.0.2.1")) {
                allowed++;
            }
        }
        assertEquals(4, allowed);
    }

    @Test
    void ipv4AddressesHaveTheirOwnBuckets() {
        assertEquals(5, burst("192.0.2.1", 10));
        assertEquals(5, burst("192.0.2.2", 10), "another address is not affected");
        assertEquals(5, burst("1.2.3.4", 10));
        assertEquals(5, burst("102:304::", 10), "an IPv6 address with the same leading bytes is another bucket");
    }

    @Test
    void ipv6SharesABucketPerSlash64() {
        assertEquals(5, burst("2001:db8:1:2::1", 10));
        assertEquals(0, burst("2001:db8:1:2:ffff:ffff:ffff:ffff", 10), "same /64: already spent");
        assertEquals(5, burst("2001:db8:1:3::1", 10), "the next /64 is independent");
    }

    @Test
    void idleBucketsAreForgotten() {
        allow("192.0.2.1");
        allow("2001:db8::1");
        assertEquals(2, limiter.size());
        clock.advance(Duration.ofMillis(1100));
        allow("192.0.2.9");
        assertEquals(1, limiter.size(), "buckets idle for over a second are dropped");
        assertEquals(5, burst("192.0.2.1", 10), "and a forgotten source starts with a full burst");
    }
}
