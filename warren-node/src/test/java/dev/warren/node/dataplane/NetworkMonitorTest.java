package dev.warren.node.dataplane;

import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link NetworkMonitor}: a change of the snapshot is reported once, within one period; no change, a failing read
 * and a closed monitor report nothing; the /proc route parsers find exactly the default routes.
 */
class NetworkMonitorTest {
    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @Test
    void reportsEachChangeOnceWithinAPeriod() {
        AtomicReference<Object> state = new AtomicReference<>(List.of("192.0.2.1"));
        AtomicInteger changes = new AtomicInteger();
        NetworkMonitor m = NetworkMonitor.start(state::get, changes::incrementAndGet, scheduler, Duration.ofSeconds(2));
        scheduler.advance(Duration.ofSeconds(10));
        assertEquals(0, changes.get(), "nothing changed");

        state.set(List.of("192.0.2.1", "198.51.100.7")); // an address was added
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(1, changes.get());
        scheduler.advance(Duration.ofSeconds(10));
        assertEquals(1, changes.get(), "the same state is not a new change");

        state.set(List.of("198.51.100.7")); // removed
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(1, changes.get(), "not polled yet");
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(2, changes.get());

        m.close();
        state.set(List.of());
        scheduler.advance(Duration.ofSeconds(10));
        assertEquals(2, changes.get(), "closed");
        assertEquals(0, scheduler.pending(), "no timer left after close");
    }

    @Test
    void aFailingReadIsNoChange() {
        AtomicReference<Object> state = new AtomicReference<>("a");
        AtomicInteger changes = new AtomicInteger();
        NetworkMonitor.start(() -> {
            Object s = state.get();
            if (s == null) {
                throw new IllegalStateException("netlink hiccup");
            }
            return s;
        }, changes::incrementAndGet, scheduler, Duration.ofSeconds(2));
        state.set(null);
        scheduler.advance(Duration.ofSeconds(4));
        state.set("a");
        scheduler.advance(Duration.ofSeconds(4));
        assertEquals(0, changes.get());
        state.set("b");
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(1, changes.get());
    }

    @Test
    void aPeriodMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkMonitor.start(() -> "x", () -> { }, scheduler, Duration.ZERO));
        assertEquals("network poll period must be positive, got PT0S", e.getMessage());
    }

    @Test
    void defaultRoutesFromProc(@TempDir Path dir) throws IOException {
        Path v4 = dir.resolve("route");
        Files.writeString(v4, """
                Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
                eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
                eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
                """);
        Path v6 = dir.resolve("ipv6_route");
        Files.writeString(v6, """
                00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0
                20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0
                00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo
                """);
        assertEquals(List.of("eth0 via 0101A8C0", "eth0 via fe800000000000000000000000000001"),
                NetworkMonitor.defaultRoutes(v4, v6));
        assertEquals(List.of(), NetworkMonitor.defaultRoutes(dir.resolve("none"), dir.resolve("none6")));
    }
}
