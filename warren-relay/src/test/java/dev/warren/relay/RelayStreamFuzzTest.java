package dev.warren.relay;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.relay.RelayFrame;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the two parsers a relay runs on a peer's bytes before anything else: the HTTP head reader and the stream
 * frame reader. Only their documented exceptions may escape ({@link Http1.BadHttpException} or
 * {@link EOFException} for the head; {@link EOFException} or {@link MalformedMessageException} for frames), a head
 * never consumes a byte past its blank line, and the stream reader agrees with {@link RelayFrame#decodeFrame} on
 * where each frame ends.
 *
 * <p>Seeds: {@code src/test/resources/dev/warren/relay/RelayStreamFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-relay -Dtest=RelayStreamFuzzTest#frames}.
 */
class RelayStreamFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void httpHead(byte[] input) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        Http1.Head h;
        try {
            h = Http1.readHead(in);
        } catch (Http1.BadHttpException | EOFException e) {
            return;
        }
        int consumed = input.length - in.available();
        assertTrue(consumed <= RelayProtocol.MAX_HTTP_HEAD);
        assertEquals('\n', input[consumed - 1], "the head ends at a line feed");
        assertTrue(!h.startLine().isEmpty());
    }

    @FuzzTest(maxDuration = "60s")
    void frames(byte[] input) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        ByteBuffer buf = ByteBuffer.wrap(input);
        while (true) {
            byte[] f;
            try {
                f = FrameIo.readFrame(in);
            } catch (EOFException e) {
                return;
            } catch (MalformedMessageException e) {
                try {
                    RelayFrame.decodeFrame(buf);
                } catch (MalformedMessageException expected) {
                    return;
                }
                throw new AssertionError("the stream reader refused a frame decodeFrame accepts: " + e.getMessage());
            }
            assertEquals(input.length - in.available(), buf.position() + f.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(input, buf.position(), buf.position() + f.length), f);
            try {
                RelayFrame.decodeFrame(buf);
            } catch (MalformedMessageException e) {
                // a frame of valid length whose payload is malformed: the stream reader hands it on whole, the
                // decoder refuses it; the relay then closes that connection
                buf.position(buf.position() + f.length);
            }
        }
    }

    /**
     * {@link FrameReader} over the same bytes cut into reads of sizes taken from the input's first byte agrees
     * with {@link FrameIo#readFrame}: the same frames, then the same kind of ending.
     */
    @FuzzTest(maxDuration = "60s")
    void frameReader(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int chunk = 1 + (input[0] & 0xFF);
        byte[] stream = java.util.Arrays.copyOfRange(input, 1, input.length);
        ByteArrayInputStream plain = new ByteArrayInputStream(stream);
        FrameReader r = new FrameReader(new FrameReaderTest.Chunked(stream, chunk, 3 * chunk, 1), 64);
        while (true) {
            byte[] want;
            Class<? extends Exception> wantEnd = null;
            try {
                want = FrameIo.readFrame(plain);
            } catch (EOFException | MalformedMessageException e) {
                want = null;
                wantEnd = e.getClass();
            }
            try {
                r.next();
                if (want == null) {
                    throw new AssertionError("FrameReader returned a frame where FrameIo ended with " + wantEnd);
                }
                assertArrayEquals(want, r.copyFrame());
            } catch (EOFException | MalformedMessageException e) {
                assertEquals(wantEnd, e.getClass(), "FrameReader ended with " + e + ", FrameIo with " + wantEnd);
                return;
            }
        }
    }
}
