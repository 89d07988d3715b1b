package dev.warren.wire.control;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link RelayMaps#parse} with arbitrary bytes: the only exception that may escape is
 * {@link IllegalArgumentException}, its message starts with the source name, and a map that parses is a fixed point
 * (encoding it and parsing the encoding gives the same map).
 *
 * <p>In a normal build Jazzer runs the seeds in
 * {@code src/test/resources/dev/warren/wire/control/RelayMapsFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire -Dtest=RelayMapsFuzzTest}.
 */
class RelayMapsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void parseIsTotalAndAFixedPoint(byte[] json) {
        RelayMap m;
        try {
            m = RelayMaps.parse("fuzz.json", json);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("fuzz.json: "), e.getMessage());
            return;
        }
        assertEquals(m, RelayMaps.parse("again.json", ControlJson.encodeValue(m)));
    }
}
