package dev.warren.wire.disco;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes {@link DiscoFrame#decode} and {@link DiscoMessage#decode} against the layout tables as an oracle: only
 * {@link MalformedMessageException} may escape, and exactly when the table says the input is too short (or, for a
 * frame, lacks the magic, or for CallMeMaybe, is not whole endpoints); a frame decodes and encodes back to the same
 * bytes; a payload's variant is the one its type byte names, and encoding it is a fixed point.
 *
 * <p>In a normal build Jazzer runs the seeds in
 * {@code src/test/resources/dev/warren/wire/disco/DiscoFuzzTestInputs/}; to fuzz one method:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire -Dtest=DiscoFuzzTest#payloadMatchesTheLayoutTable}.
 */
class DiscoFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void frameMatchesTheLayoutTable(byte[] datagram) {
        ByteBuffer in = ByteBuffer.wrap(datagram);
        boolean looks = DiscoFrame.looksLikeDisco(datagram, 0, datagram.length);
        assertEquals(looks, DiscoFrame.looksLikeDisco(in));
        DiscoFrame f;
        try {
            f = DiscoFrame.decode(in);
        } catch (MalformedMessageException e) {
            assertTrue(!looks, "refused a frame with magic and full header: " + e.getMessage());
            return;
        }
        assertTrue(looks, "accepted a frame that does not look like disco");
        assertEquals(0, in.position());
        assertArrayEquals(datagram, f.encode());
        assertEquals(datagram.length, f.size());
    }

    @FuzzTest(maxDuration = "60s")
    void payloadMatchesTheLayoutTable(byte[] payload) {
        ByteBuffer in = ByteBuffer.allocate(payload.length + 9);
        in.position(4).put(payload).flip().position(4);
        in.limit(4 + payload.length);
        boolean expectedMalformed = expectMalformed(payload);
        DiscoMessage m;
        try {
            m = DiscoMessage.decode(in);
        } catch (MalformedMessageException e) {
            assertTrue(expectedMalformed, "refused a well-formed payload: " + e.getMessage());
            assertEquals(4, in.position());
            return;
        }
        assertTrue(!expectedMalformed, "accepted a malformed payload as " + m.getClass().getSimpleName());
        assertEquals(4, in.position());
        switch (payload[0] & 0xFF) {
            case DiscoMessage.TYPE_PING -> assertEquals(payload.length, assertInstanceOf(DiscoMessage.Ping.class, m)
                    .size());
            case DiscoMessage.TYPE_PONG -> {
                assertInstanceOf(DiscoMessage.Pong.class, m);
                assertArrayEquals(version0(Arrays.copyOf(payload, DiscoMessage.Pong.SIZE)), m.encode(),
                        "the fields encode back; trailing bytes are dropped and the version written is 0");
            }
            case DiscoMessage.TYPE_CALL_ME_MAYBE -> {
                var cmm = assertInstanceOf(DiscoMessage.CallMeMaybe.class, m);
                boolean natEntry = (payload[DiscoMessage.OFFSET_VERSION] & 0xFF) >= 1
                        && payload.length >= DiscoMessage.HEADER_SIZE + DiscoMessage.ENDPOINT_SIZE
                        && Arrays.equals(Arrays.copyOfRange(payload, payload.length - DiscoMessage.ENDPOINT_SIZE,
                        payload.length - DiscoMessage.ENDPOINT_SIZE + DiscoMessage.ADDRESS_SIZE),
                        new byte[DiscoMessage.ADDRESS_SIZE]);
                assertEquals(natEntry, cmm.natFlags() != DiscoMessage.CallMeMaybe.NAT_UNKNOWN,
                        "NAT flags exactly when the version is ≥ 1 and the last entry's address is ::");
                byte[] expected = payload.clone();
                expected[DiscoMessage.OFFSET_VERSION] = (byte) (natEntry ? 1 : DiscoMessage.VERSION);
                assertArrayEquals(expected, m.encode(), "endpoints (and NAT flags) encode back; the version written "
                        + "is 1 with NAT flags, else 0");
            }
            default -> assertArrayEquals(payload, assertInstanceOf(DiscoMessage.Unknown.class, m).encode());
        }
        byte[] once = m.encode();
        assertEquals(m.size(), once.length);
        try {
            assertArrayEquals(once, DiscoMessage.decode(ByteBuffer.wrap(once)).encode(), "encoding is a fixed point");
        } catch (MalformedMessageException e) {
            fail("our own encoding was refused: " + e.getMessage());
        }
    }

    private static byte[] version0(byte[] p) {
        byte[] c = p.clone();
        c[DiscoMessage.OFFSET_VERSION] = DiscoMessage.VERSION;
        return c;
    }

    static boolean expectMalformed(byte[] p) {
        if (p.length < 2) {
            return true;
        }
        return switch (p[0] & 0xFF) {
            case DiscoMessage.TYPE_PING -> p.length < DiscoMessage.Ping.SIZE;
            case DiscoMessage.TYPE_PONG -> p.length < DiscoMessage.Pong.SIZE;
            case DiscoMessage.TYPE_CALL_ME_MAYBE -> (p.length - 2) % DiscoMessage.ENDPOINT_SIZE != 0;
            default -> false;
        };
    }
}
