package dev.warren.node.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the /proc route parsers of {@link NetworkMonitor}: arbitrary text as either file never throws, and every
 * route found names an interface ("IFACE via HEX").
 *
 * <p>To fuzz: {@code JAZZER_FUZZ=1 mvn test -pl warren-node -am -Dtest=DefaultRoutesFuzzTest}.
 */
class DefaultRoutesFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void anyTextParsesWithoutThrowing(byte[] data) {
        List<String> lines = new String(data, StandardCharsets.UTF_8).lines().toList();
        for (String r : NetworkMonitor.defaultRoutes(lines, lines)) {
            assertTrue(r.matches("\\S+ via \\S+"), r);
        }
    }
}
