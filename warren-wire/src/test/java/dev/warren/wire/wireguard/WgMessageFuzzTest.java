package dev.warren.wire.wireguard;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes {@link WgMessage#decode} with arbitrary datagrams and checks it against the layout table, which serves
 * as an independent oracle: the only exception that may escape is {@link MalformedMessageException}, and it is
 * thrown exactly for datagrams shorter than 4 bytes, handshake messages of the wrong size and transport
 * messages shorter than a keepalive; everything else decodes to the variant its first little-endian word names
 * ({@link WgMessage.Unknown} for any other word, reserved bytes included) and encodes back to the same bytes.
 * Decoding reads the buffer from its position without moving it.
 *
 * <p>In a normal build Jazzer runs the seeds in
 * {@code src/test/resources/dev/warren/wire/wireguard/WgMessageFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire -Dtest=WgMessageFuzzTest}. Coverage guidance needs
 * {@code jazzer.instrument=dev.warren.**} ({@code src/test/resources/junit-platform.properties}).
 */
class WgMessageFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void decodeMatchesTheLayoutTable(byte[] datagram) {
        // the datagram sits after some junk, as in a receive buffer with headroom, and before a limit
        ByteBuffer in = ByteBuffer.allocate(datagram.length + 19);
        in.position(7).put(datagram).flip().position(7);
        in.limit(7 + datagram.length);
        boolean expectedMalformed = expectMalformed(datagram);
        WgMessage m;
        try {
            m = WgMessage.decode(in);
        } catch (MalformedMessageException e) {
            assertTrue(expectedMalformed, "refused a well-formed datagram: " + e.getMessage());
            assertEquals(7, in.position(), "the buffer's position is untouched");
            return;
        }
        assertTrue(!expectedMalformed, "accepted a malformed datagram as " + m.getClass().getSimpleName());
        assertEquals(7, in.position(), "the buffer's position is untouched");
        int type = ByteBuffer.wrap(datagram).order(ByteOrder.LITTLE_ENDIAN).getInt();
        switch (type) {
            case WgMessage.TYPE_INITIATION -> assertInstanceOf(WgMessage.Initiation.class, m);
            case WgMessage.TYPE_RESPONSE -> assertInstanceOf(WgMessage.Response.class, m);
            case WgMessage.TYPE_COOKIE_REPLY -> assertInstanceOf(WgMessage.CookieReply.class, m);
            case WgMessage.TYPE_TRANSPORT -> assertInstanceOf(WgMessage.Transport.class, m);
            default -> assertEquals(type, assertInstanceOf(WgMessage.Unknown.class, m).type());
        }
        assertEquals(datagram.length, m.size());
        assertArrayEquals(datagram, m.encode(), "decode then encode gives the datagram back");
        ByteBuffer out = ByteBuffer.allocate(m.size() + 3).position(3);
        m.encodeTo(out);
        assertEquals(m.size() + 3, out.position(), "encodeTo advances by size()");
        if (m instanceof WgMessage.Transport t) {
            ByteBuffer h = ByteBuffer.wrap(datagram).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(h.getInt(TransportHeader.OFFSET_RECEIVER), t.receiver());
            assertEquals(h.getLong(TransportHeader.OFFSET_COUNTER), t.counter());
        }
    }

    /** The oracle: what the layout table says about a datagram's length for its type word. */
    static boolean expectMalformed(byte[] d) {
        if (d.length < 4) {
            return true;
        }
        int type = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return switch (type) {
            case WgMessage.TYPE_INITIATION -> d.length != WgMessage.Initiation.SIZE;
            case WgMessage.TYPE_RESPONSE -> d.length != WgMessage.Response.SIZE;
            case WgMessage.TYPE_COOKIE_REPLY -> d.length != WgMessage.CookieReply.SIZE;
            case WgMessage.TYPE_TRANSPORT -> d.length < TransportHeader.MIN_SIZE;
            default -> false;
        };
    }

    /** Sanity of the oracle itself, so a fuzz run cannot pass because both sides agree on nonsense. */
    @org.junit.jupiter.api.Test
    void oracleKnowsTheSizes() {
        assertTrue(expectMalformed(new byte[] {1, 0, 0}));
        byte[] init = new byte[148];
        init[0] = 1;
        assertTrue(!expectMalformed(init));
        byte[] keepalive = new byte[32];
        keepalive[0] = 4;
        assertTrue(!expectMalformed(keepalive));
        keepalive[0] = 4;
        assertTrue(expectMalformed(java.util.Arrays.copyOf(keepalive, 31)));
        byte[] reserved = new byte[148];
        reserved[0] = 1;
        reserved[1] = 1;
        assertTrue(!expectMalformed(reserved), "non-zero reserved bytes make an Unknown, not an error");
        try {
            assertInstanceOf(WgMessage.Unknown.class, WgMessage.decode(ByteBuffer.wrap(reserved)));
        } catch (MalformedMessageException e) {
            fail(e);
        }
    }
}
