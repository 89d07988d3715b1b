package dev.warren.wire.stun;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes {@link StunMessage#decode} with arbitrary datagrams. The only exception that may escape is
 * {@link MalformedMessageException}; the buffer's position is untouched; a datagram that decodes and is exactly as
 * long as its header says passes {@link StunMessage#looksLikeStun}; the type maps to its variant; and encoding is
 * a fixed point: encode(decode(encode(m))) is encode(m) byte for byte, with a FINGERPRINT that verifies (unknown
 * attributes are not re-encoded, so the first encoding may differ from the input).
 *
 * <p>In a normal build Jazzer runs the seeds in
 * {@code src/test/resources/dev/warren/wire/stun/StunMessageFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire -Dtest=StunMessageFuzzTest}.
 */
class StunMessageFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void decodeIsTotalAndEncodingIsAFixedPoint(byte[] datagram) {
        ByteBuffer in = ByteBuffer.allocate(datagram.length + 13);
        in.position(5).put(datagram).flip().position(5);
        in.limit(5 + datagram.length);
        StunMessage m;
        try {
            m = StunMessage.decode(in);
        } catch (MalformedMessageException e) {
            assertEquals(5, in.position(), "the buffer's position is untouched");
            return;
        }
        assertEquals(5, in.position(), "the buffer's position is untouched");
        int type = ((datagram[0] & 0xFF) << 8) | (datagram[1] & 0xFF);
        int declared = 20 + (((datagram[2] & 0xFF) << 8) | (datagram[3] & 0xFF));
        assertEquals(declared == datagram.length, StunMessage.looksLikeStun(datagram, 0, datagram.length));
        assertEquals(type, m.type());
        switch (type) {
            case StunMessage.TYPE_BINDING_REQUEST -> assertInstanceOf(StunMessage.BindingRequest.class, m);
            case StunMessage.TYPE_BINDING_SUCCESS -> assertInstanceOf(StunMessage.BindingSuccess.class, m);
            case StunMessage.TYPE_BINDING_ERROR -> assertInstanceOf(StunMessage.BindingError.class, m);
            default -> {
                var u = assertInstanceOf(StunMessage.Unknown.class, m);
                assertArrayEquals(java.util.Arrays.copyOf(datagram, declared), u.bytes());
            }
        }
        byte[] once = m.encode();
        assertEquals(m.size(), once.length);
        StunMessage again;
        try {
            again = StunMessage.decode(ByteBuffer.wrap(once));
        } catch (MalformedMessageException e) {
            fail("our own encoding was refused: " + e.getMessage());
            return;
        }
        assertTrue(StunMessage.looksLikeStun(once, 0, once.length));
        assertArrayEquals(once, again.encode(), "encoding is a fixed point");
        assertArrayEquals(m.transactionId(), again.transactionId());
    }
}
