package dev.warren.wire.relay;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes {@link RelayFrame#decodeFrame} on a stream of frames, as a relay reads them: only
 * {@link MalformedMessageException} may escape; a refused frame leaves the position where it was; an accepted
 * frame consumed exactly its header and stated length, within the type's limit; encoding what was decoded and
 * decoding that again is a fixed point (encoding drops only ignored trailing bytes, so it is never longer).
 *
 * <p>In a normal build Jazzer runs the seeds in
 * {@code src/test/resources/dev/warren/wire/relay/RelayFrameFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire -Dtest=RelayFrameFuzzTest}.
 */
class RelayFrameFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void framesMatchTheLayoutTable(byte[] stream) {
        ByteBuffer in = ByteBuffer.wrap(stream);
        while (in.hasRemaining()) {
            int start = in.position();
            RelayFrame f;
            try {
                f = RelayFrame.decodeFrame(in);
            } catch (MalformedMessageException e) {
                assertEquals(start, in.position(), "a refused frame moved the position");
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                return;
            }
            int stated = in.getInt(start + RelayFrame.OFFSET_LENGTH);
            assertEquals(start + RelayFrame.HEADER_SIZE + stated, in.position());
            assertTrue(stated <= RelayFrame.maxPayload(stream[start] & 0xFF));
            assertEquals(stream[start] & 0xFF, f.type());
            byte[] once = f.encode();
            assertTrue(f.payloadSize() <= stated);
            try {
                assertArrayEquals(once, RelayFrame.decodeFrame(ByteBuffer.wrap(once)).encode(), "fixed point");
            } catch (MalformedMessageException e) {
                fail("our own encoding was refused: " + e.getMessage());
            }
        }
    }
}
