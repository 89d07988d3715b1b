package dev.warren.testing.nat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NAT lab's parsers on arbitrary input: a spec file ({@link NatLabMain#readSpec}) and a state file
 * ({@link NatLab#parseState}) either parse or fail with the one exception type each documents, its message naming
 * the file and a line; and the STUN responder never throws on any datagram. Normal builds run the seeds (none:
 * the empty input); to fuzz: {@code JAZZER_FUZZ=1 mvn test -pl warren-wire,warren-testing -Dtest=NatLabFilesFuzzTest}.
 */
class NatLabFilesFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void specAndStateFilesParseOrNameTheirLine(byte[] input) {
        List<String> lines = new String(input, StandardCharsets.UTF_8).lines().toList();
        try {
            NatLabMain.readSpec("f.spec", lines, NatLab.builder());
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().matches("(?s)f\\.spec:\\d+: .*"), e.getMessage());
        }
        try {
            NatLab.parseState(Path.of("/nonexistent"), "f.state", lines);
        } catch (IOException e) {
            assertTrue(e.getMessage().startsWith("f.state:"), e.getMessage());
        }
        StunResponder.answer(ByteBuffer.wrap(input), new java.net.InetSocketAddress("203.0.113.9", 9));
    }
}
