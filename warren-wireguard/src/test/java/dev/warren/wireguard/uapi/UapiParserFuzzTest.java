package dev.warren.wireguard.uapi;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the UAPI parser and the connection loop with arbitrary bytes. In a normal build these run the
 * seed inputs in {@code src/test/resources/dev/warren/wireguard/uapi/UapiParserFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} they fuzz.
 */
class UapiParserFuzzTest {
    /** Rejections are logged at WARNING; millions of them only slow the fuzzer down. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.warren.wireguard.uapi");

    static {
        QUIET.setLevel(java.util.logging.Level.OFF);
    }

    /** The parser throws nothing but UapiException, and what it accepts survives a write/parse round trip. */
    @FuzzTest(maxDuration = "30s")
    void parserThrowsOnlyUapiException(byte[] data) throws IOException {
        UapiParser parser = new UapiParser(new ByteArrayInputStream(data), 512, 256);
        for (int i = 0; i < 64; i++) {
            UapiRequest r;
            try {
                r = parser.next();
            } catch (UapiException e) {
                assertTrue(e.errno() > 0);
                if (!parser.inSync()) {
                    return;
                }
                continue;
            }
            if (r == null) {
                return;
            }
            if (r instanceof UapiRequest.Set(SetRequest set)) {
                try {
                    assertEquals(set, UapiParser.parseSet(UapiWriter.formatSetRequest(set)));
                } catch (UapiException e) {
                    throw new AssertionError("an accepted request did not round-trip: " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * The connection loop never calls apply for a rejected transaction: it answers exactly one errno per
     * request, and the device sees exactly the transactions answered with errno=0.
     */
    @FuzzTest(maxDuration = "30s")
    void connectionAppliesOnlyValidTransactions(byte[] data) throws IOException {
        List<SetRequest> applied = new ArrayList<>();
        UapiDevice device = new UapiDevice() {
            @Override
            public DeviceState state() {
                return DeviceState.empty();
            }

            @Override
            public void apply(SetRequest request) {
                applied.add(request);
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UapiConnection.serve(new ByteArrayInputStream(data), out, device, new ReentrantReadWriteLock(), 512, 256);

        // Replay the same bytes through a bare parser: the successful set transactions must be exactly
        // those applied, in order.
        List<SetRequest> valid = new ArrayList<>();
        UapiParser parser = new UapiParser(new ByteArrayInputStream(data), 512, 256);
        while (true) {
            try {
                UapiRequest r = parser.next();
                if (r == null) {
                    break;
                }
                if (r instanceof UapiRequest.Set(SetRequest set)) {
                    valid.add(set);
                }
            } catch (UapiException e) {
                if (!parser.inSync()) {
                    break;
                }
            }
        }
        assertEquals(valid, applied);
        String response = out.toString(StandardCharsets.US_ASCII);
        assertTrue(response.isEmpty() || response.endsWith("\n\n"), "responses are complete");
    }
}
