package dev.warren.wireguard;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertNotNull;

class BulkTest {
    @Test
    void thousandsOfLargePacketsBothWays() throws Exception {
        try (TwoDevices t = new TwoDevices()) {
            t.tunA.inject(t.aToB("warm-up"));
            assertNotNull(t.tunB.take(Duration.ofSeconds(5)));
            String big = "x".repeat(1000);
            for (int i = 0; i < 2000; i++) {
                t.tunA.inject(t.aToB(big));
                t.tunB.inject(t.bToA(big));
            }
            for (int i = 0; i < 2000; i++) {
                byte[] b = t.tunB.take(Duration.ofSeconds(5));
                byte[] a = t.tunA.take(Duration.ofSeconds(5));
                if (a == null || b == null) {
                    throw new AssertionError("lost at " + i + " a=" + (a != null) + " b=" + (b != null) + " dropsA="
                            + t.a.drops().snapshot() + " dropsB=" + t.b.drops().snapshot() + " sentA=" + t.bindA.sent()
                            + " sentB=" + t.bindB.sent() + " poolA=" + t.a.pool.available() + " poolB=" + t.b.pool.available());
                }
            }
        }
    }
}
