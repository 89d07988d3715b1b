package dev.warren.wire.stun;

import dev.warren.wire.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known answers from RFC 5769 §2.1–2.3, round trips, and the decoder's refusals. */
class StunMessageTest {
    static final byte[] TXID = hex("b7e7a701bc34d686fa87dfae");

    /** RFC 5769 §2.1 sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT). */
    static final byte[] RFC5769_REQUEST = hex("""
            000100582112a442b7e7a701bc34d686fa87dfae
            802200105354554e20746573742063 6c69656e74
            002400046e0001ff
            80290008932ff9b151263b36
            000600096576746a3a68367659202020
            000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2
            80280004e57a3bcf""");

    /** RFC 5769 §2.2 sample IPv4 response. */
    static final byte[] RFC5769_RESPONSE_V4 = hex("""
            0101003c2112a442b7e7a701bc34d686fa87dfae
            8022000b7465737420766563746f7220
            002000080001a147e112a643
            000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7
            80280004c07d4c96""");

    /** RFC 5769 §2.3 sample IPv6 response. */
    static final byte[] RFC5769_RESPONSE_V6 = hex("""
            010100482112a442b7e7a701bc34d686fa87dfae
            8022000b7465737420766563746f7220
            002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9
            00080014a382954e4be67bf11784c97c8292c275bfe3ed41
            80280004c8fb0b4c""");

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    @Test
    void rfc5769Request() throws Exception {
        assertTrue(StunMessage.looksLikeStun(RFC5769_REQUEST, 0, RFC5769_REQUEST.length));
        var m = assertInstanceOf(StunMessage.BindingRequest.class, StunMessage.decode(ByteBuffer.wrap(RFC5769_REQUEST)));
        assertArrayEquals(TXID, m.transactionId());
        assertEquals("STUN test client", m.software());
        assertEquals(List.of(0x0024, 0x8029, 0x0006, 0x0008), m.unknownAttributes());
        assertEquals(List.of(0x0024, 0x0006, 0x0008), StunMessage.comprehensionRequired(m.unknownAttributes()));
    }

    @Test
    void rfc5769Ipv4Response() throws Exception {
        var m = assertInstanceOf(StunMessage.BindingSuccess.class,
                StunMessage.decode(ByteBuffer.wrap(RFC5769_RESPONSE_V4)));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), m.address());
        assertNull(m.mappedAddress());
        assertEquals("test vector", m.software()); // 11 bytes; the trailing space is padding
        assertEquals(List.of(0x0008), m.unknownAttributes());
    }

    @Test
    void rfc5769Ipv6Response() throws Exception {
        var m = assertInstanceOf(StunMessage.BindingSuccess.class,
                StunMessage.decode(ByteBuffer.wrap(RFC5769_RESPONSE_V6)));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853),
                m.address());
        assertEquals("test vector", m.software()); // 11 bytes; the trailing space is padding
    }

    @Test
    void fingerprintIsVerified() {
        for (byte[] v : List.of(RFC5769_REQUEST, RFC5769_RESPONSE_V4, RFC5769_RESPONSE_V6)) {
            byte[] bad = v.clone();
            bad[bad.length - 1] ^= 1;
            assertThrows(MalformedMessageException.class, () -> StunMessage.decode(ByteBuffer.wrap(bad)));
            byte[] badBody = v.clone();
            badBody[25] ^= 1; // inside SOFTWARE: still well-formed, but the CRC no longer matches
            assertThrows(MalformedMessageException.class, () -> StunMessage.decode(ByteBuffer.wrap(badBody)));
        }
    }

    @Test
    void roundTrips() throws Exception {
        byte[] txid = Arrays.copyOf(TXID, 12);
        List<StunMessage> messages = List.of(
                new StunMessage.BindingRequest(txid),
                new StunMessage.BindingRequest(txid, "warren 0.1 \u00e9", List.of()),
                new StunMessage.BindingSuccess(txid, new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853)),
                new StunMessage.BindingSuccess(txid,
                        new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1),
                        new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 65535), "srv", List.of()),
                new StunMessage.BindingError(txid, 420, "Unknown Attribute", null, List.of()),
                new StunMessage.BindingError(txid, 300, "", "x", List.of()));
        for (StunMessage m : messages) {
            byte[] enc = m.encode();
            assertEquals(m.size(), enc.length);
            assertEquals(0, enc.length % 4);
            assertTrue(StunMessage.looksLikeStun(enc, 0, enc.length), m.toString());
            StunMessage back = StunMessage.decode(ByteBuffer.wrap(enc));
            assertEquals(m.getClass(), back.getClass());
            assertTrue(StunMessage.sameEncoding(m, back), m.toString());
            assertArrayEquals(txid, back.transactionId());
        }
        var err = (StunMessage.BindingError) StunMessage.decode(ByteBuffer.wrap(messages.get(4).encode()));
        assertEquals(420, err.code());
        assertEquals("Unknown Attribute", err.reason());
        var ok = (StunMessage.BindingSuccess) StunMessage.decode(ByteBuffer.wrap(messages.get(3).encode()));
        assertEquals(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 65535), ok.mappedAddress());
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1), ok.address());
    }

    @Test
    void decodeHonoursPositionAndIgnoresTrailingBytes() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(RFC5769_RESPONSE_V4.length + 10);
        b.position(3).put(RFC5769_RESPONSE_V4).position(3);
        var m = assertInstanceOf(StunMessage.BindingSuccess.class, StunMessage.decode(b));
        assertEquals(32853, m.address().getPort());
        assertEquals(3, b.position());
        assertFalse(StunMessage.looksLikeStun(b), "a whole datagram only");
    }

    @Test
    void refusals() {
        assertMalformed(new byte[19]);
        byte[] noCookie = RFC5769_RESPONSE_V4.clone();
        noCookie[4] = 0;
        assertMalformed(noCookie);
        byte[] topBits = RFC5769_RESPONSE_V4.clone();
        topBits[0] = (byte) 0x40;
        assertMalformed(topBits);
        byte[] oddLength = RFC5769_RESPONSE_V4.clone();
        oddLength[3] = 0x3d;
        assertMalformed(oddLength);
        assertMalformed(Arrays.copyOf(RFC5769_RESPONSE_V4, RFC5769_RESPONSE_V4.length - 4));
        // an attribute whose length runs past the message
        byte[] overrun = new StunMessage.BindingRequest(TXID).encode();
        overrun[22] = 0x7f;
        assertMalformed(overrun);
        // error response without ERROR-CODE
        byte[] noCode = new StunMessage.BindingRequest(TXID).encode();
        noCode[0] = 0x01;
        noCode[1] = 0x11;
        assertMalformed(noCode);
        assertFalse(StunMessage.looksLikeStun(topBits, 0, topBits.length));
        assertFalse(StunMessage.looksLikeStun(noCookie, 0, noCookie.length));
        assertFalse(StunMessage.looksLikeStun(RFC5769_REQUEST, 0, 10));
        assertFalse(StunMessage.looksLikeStun(new byte[] {1, 0, 0, 0, 0x21, 0x12, (byte) 0xa4, 0x42}, 0, 8));
    }

    @Test
    void otherMethodsAreUnknown() throws Exception {
        byte[] indication = new StunMessage.BindingRequest(TXID).encode();
        indication[1] = 0x11; // Binding indication; the FINGERPRINT no longer matches, so drop it
        indication[3] = 0;
        var m = assertInstanceOf(StunMessage.Unknown.class,
                StunMessage.decode(ByteBuffer.wrap(Arrays.copyOf(indication, 20))));
        assertEquals(0x0011, m.type());
        assertEquals(20, m.size());
    }

    @Test
    void encodingMatchesTheRfcLayout() throws Exception {
        byte[] enc = new StunMessage.BindingSuccess(TXID, new InetSocketAddress(InetAddress.getByName("192.0.2.1"),
                32853), null, "test vector", List.of()).encode();
        // header, XOR-MAPPED-ADDRESS, SOFTWARE (padded with a zero, not the RFC's space), FINGERPRINT
        assertEquals("010100242112a442b7e7a701bc34d686fa87dfae" + "002000080001a147e112a643"
                        + "8022000b7465737420766563746f7200" + "80280004",
                HexFormat.of().formatHex(Arrays.copyOf(enc, enc.length - 4)));
        byte[] v6 = new StunMessage.BindingSuccess(TXID, new InetSocketAddress(
                InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853)).encode();
        assertEquals("002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9",
                HexFormat.of().formatHex(Arrays.copyOfRange(v6, 20, 44)));
    }

    @Test
    void attributeRules() throws Exception {
        // the pre-RFC XOR-MAPPED-ADDRESS number is read; the first occurrence of an attribute wins
        byte[] draft = hex("010100182112a442b7e7a701bc34d686fa87dfae"
                + "802000080001a147e112a643" + "002000080001a147e112a644");
        var m = (StunMessage.BindingSuccess) StunMessage.decode(ByteBuffer.wrap(draft));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), m.address());
        // nothing may follow FINGERPRINT
        byte[] req = new StunMessage.BindingRequest(TXID).encode();
        byte[] after = Arrays.copyOf(req, req.length + 4);
        after[3] += 4;
        after[req.length] = (byte) 0x80;
        after[req.length + 1] = 0x30;
        assertMalformed(after);
        // SOFTWARE that is not UTF-8 is dropped, not refused
        byte[] badUtf8 = hex("000100082112a442b7e7a701bc34d686fa87dfae 80220002c3280000");
        assertNull(((StunMessage.BindingRequest) StunMessage.decode(ByteBuffer.wrap(badUtf8))).software());
        // an address attribute of the wrong size or family is malformed
        assertMalformed(hex("0101000c2112a442b7e7a701bc34d686fa87dfae 002000080003a147e112a643"));
        assertMalformed(hex("010100102112a442b7e7a701bc34d686fa87dfae 0020000c0001a147e112a64300000000"));
    }

    private static void assertMalformed(byte[] b) {
        assertThrows(MalformedMessageException.class, () -> StunMessage.decode(ByteBuffer.wrap(b)));
    }
}
