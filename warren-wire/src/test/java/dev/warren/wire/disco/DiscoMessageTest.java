package dev.warren.wire.disco;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.stun.StunMessage;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layouts, round trips, length checks and demultiplexing of disco frames and payloads. */
class DiscoMessageTest {
    static final byte[] TXID = HexFormat.of().parseHex("0102030405060708090a0b0c");

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    static InetSocketAddress ep(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void pingLayout() throws Exception {
        var ping = new DiscoMessage.Ping(TXID, filled(32, 0xAB));
        byte[] enc = ping.encode();
        assertEquals(DiscoMessage.Ping.SIZE, enc.length);
        assertEquals(1, enc[0]);
        assertEquals(0, enc[1]);
        assertArrayEquals(TXID, Arrays.copyOfRange(enc, DiscoMessage.Ping.OFFSET_TXID, 14));
        assertArrayEquals(filled(32, 0xAB), Arrays.copyOfRange(enc, DiscoMessage.Ping.OFFSET_NODE_KEY, 46));
        var back = assertInstanceOf(DiscoMessage.Ping.class, DiscoMessage.decode(ByteBuffer.wrap(enc)));
        assertArrayEquals(TXID, back.txid());
        assertEquals(0, back.padding());
        var padded = new DiscoMessage.Ping(TXID, filled(32, 1), 1200);
        assertEquals(1246, padded.encode().length);
        assertEquals(1200, ((DiscoMessage.Ping) DiscoMessage.decode(ByteBuffer.wrap(padded.encode()))).padding());
    }

    @Test
    void pongLayoutV4MappedAndV6() throws Exception {
        var pong = new DiscoMessage.Pong(TXID, ep("192.0.2.1", 41641));
        byte[] enc = pong.encode();
        assertEquals(DiscoMessage.Pong.SIZE, enc.length);
        assertEquals("00000000000000000000ffffc0000201a2a9",
                HexFormat.of().formatHex(Arrays.copyOfRange(enc, DiscoMessage.Pong.OFFSET_ADDRESS, 32)));
        var back = assertInstanceOf(DiscoMessage.Pong.class, DiscoMessage.decode(ByteBuffer.wrap(enc)));
        assertEquals(ep("192.0.2.1", 41641), back.source());
        var v6 = new DiscoMessage.Pong(TXID, ep("2001:db8::7", 1));
        assertEquals(ep("2001:db8::7", 1),
                ((DiscoMessage.Pong) DiscoMessage.decode(ByteBuffer.wrap(v6.encode()))).source());
    }

    @Test
    void callMeMaybeRoundTrips() throws Exception {
        List<InetSocketAddress> eps = List.of(ep("198.51.100.9", 41641), ep("2001:db8::1", 65535), ep("10.0.0.2", 0));
        var cmm = new DiscoMessage.CallMeMaybe(eps);
        byte[] enc = cmm.encode();
        assertEquals(2 + 3 * 18, enc.length);
        assertEquals(eps, ((DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(enc))).endpoints());
        var empty = new DiscoMessage.CallMeMaybe(List.of());
        assertEquals(List.of(), ((DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(empty.encode())))
                .endpoints());
        assertMalformed(Arrays.copyOf(enc, enc.length - 1));
        assertMalformed(Arrays.copyOf(enc, 3));
    }

    @Test
    void callMeMaybeNatFlagsTravelInATrailingEntryThatOldDecodersSkip() throws Exception {
        List<InetSocketAddress> eps = List.of(ep("198.51.100.9", 41641), ep("10.0.0.2", 41641));
        var hard = new DiscoMessage.CallMeMaybe(eps, DiscoMessage.CallMeMaybe.NAT_HARD);
        byte[] enc = hard.encode();
        assertEquals(2 + 3 * 18, enc.length);
        assertEquals(1, enc[DiscoMessage.OFFSET_VERSION], "a call-me-maybe with NAT flags is version 1");
        assertEquals("00000000000000000000000000000000" + "0001",
                HexFormat.of().formatHex(Arrays.copyOfRange(enc, 2 + 2 * 18, enc.length)));
        var back = (DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(enc));
        assertEquals(eps, back.endpoints());
        assertEquals(DiscoMessage.CallMeMaybe.NAT_HARD, back.natFlags());
        assertTrue(back.hard());
        assertFalse(back.easy());
        var easy = (DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(
                new DiscoMessage.CallMeMaybe(List.of(), DiscoMessage.CallMeMaybe.NAT_EASY).encode()));
        assertEquals(List.of(), easy.endpoints());
        assertTrue(easy.easy());
        // what a version-0 decoder makes of it: the NAT entry as the endpoint [::]:1, which pinging skips
        byte[] asOld = enc.clone();
        asOld[DiscoMessage.OFFSET_VERSION] = 0;
        var old = (DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(asOld));
        assertEquals(3, old.endpoints().size());
        assertTrue(old.endpoints().get(2).getAddress().isAnyLocalAddress());
        assertEquals(DiscoMessage.CallMeMaybe.NAT_UNKNOWN, old.natFlags());
        // version 0 from an old sender: no flags, every entry an endpoint
        var v0 = (DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(new DiscoMessage.CallMeMaybe(eps)
                .encode()));
        assertEquals(DiscoMessage.CallMeMaybe.NAT_UNKNOWN, v0.natFlags());
        assertFalse(v0.hard() || v0.easy());
        // version 1 whose last entry is a real endpoint: no flags, nothing lost
        byte[] v1NoInfo = new DiscoMessage.CallMeMaybe(eps).encode();
        v1NoInfo[DiscoMessage.OFFSET_VERSION] = 1;
        var kept = (DiscoMessage.CallMeMaybe) DiscoMessage.decode(ByteBuffer.wrap(v1NoInfo));
        assertEquals(eps, kept.endpoints());
        assertEquals(DiscoMessage.CallMeMaybe.NAT_UNKNOWN, kept.natFlags());
        assertThrows(IllegalArgumentException.class, () -> new DiscoMessage.CallMeMaybe(eps, 65536));
        assertThrows(IllegalArgumentException.class, () -> new DiscoMessage.CallMeMaybe(eps, -2));
    }

    @Test
    void lengthChecksAndTrailingBytes() throws Exception {
        assertMalformed(new byte[0]);
        assertMalformed(new byte[] {1});
        byte[] ping = new DiscoMessage.Ping(TXID, filled(32, 2)).encode();
        assertMalformed(Arrays.copyOf(ping, 45));
        byte[] pong = new DiscoMessage.Pong(TXID, ep("192.0.2.1", 1)).encode();
        assertMalformed(Arrays.copyOf(pong, 31));
        byte[] longer = Arrays.copyOf(pong, 40);
        longer[1] = 7; // a later version that appended fields
        ByteBuffer in = ByteBuffer.wrap(longer);
        assertEquals(ep("192.0.2.1", 1), ((DiscoMessage.Pong) DiscoMessage.decode(in)).source());
        assertEquals(0, in.position());
    }

    @Test
    void unknownTypesAreKeptWhole() throws Exception {
        byte[] raw = {9, 3, 1, 2, 3};
        var u = assertInstanceOf(DiscoMessage.Unknown.class, DiscoMessage.decode(ByteBuffer.wrap(raw)));
        assertEquals(9, u.type());
        assertEquals(3, u.version());
        assertArrayEquals(raw, u.encode());
    }

    @Test
    void frameRoundTripsAndRefuses() throws Exception {
        var f = new DiscoFrame(filled(32, 7), filled(24, 8), new byte[] {1, 2, 3});
        byte[] enc = f.encode();
        assertEquals(65, enc.length);
        assertArrayEquals("WDISCO".getBytes(java.nio.charset.StandardCharsets.US_ASCII), Arrays.copyOf(enc, 6));
        ByteBuffer in = ByteBuffer.allocate(70).position(2).put(enc).flip().position(2);
        var back = DiscoFrame.decode(in);
        assertEquals(2, in.position());
        assertArrayEquals(filled(32, 7), back.senderDiscoKey());
        assertArrayEquals(filled(24, 8), back.nonce());
        assertArrayEquals(new byte[] {1, 2, 3}, back.sealed());
        assertThrows(MalformedMessageException.class, () -> DiscoFrame.decode(ByteBuffer.wrap(enc, 0, 61)));
        byte[] wrongMagic = enc.clone();
        wrongMagic[5] = 'X';
        assertThrows(MalformedMessageException.class, () -> DiscoFrame.decode(ByteBuffer.wrap(wrongMagic)));
        assertEquals(0, DiscoFrame.decode(ByteBuffer.wrap(Arrays.copyOf(enc, 62))).sealed().length);
    }

    @Test
    void demultiplexingSeparatesDiscoStunAndWireGuard() throws Exception {
        byte[] disco = new DiscoFrame(filled(32, 0), filled(24, 0), new byte[16]).encode();
        byte[] stun = new StunMessage.BindingRequest(new byte[12]).encode();
        byte[] wg = new byte[148];
        wg[0] = 1;
        assertTrue(DiscoFrame.looksLikeDisco(disco, 0, disco.length));
        assertTrue(DiscoFrame.looksLikeDisco(ByteBuffer.wrap(disco)));
        assertFalse(StunMessage.looksLikeStun(disco, 0, disco.length));
        assertFalse(DiscoFrame.looksLikeDisco(stun, 0, stun.length));
        assertFalse(DiscoFrame.looksLikeDisco(wg, 0, wg.length));
        assertFalse(DiscoFrame.looksLikeDisco(disco, 0, 61), "too short for a frame");
        assertFalse(DiscoFrame.looksLikeDisco(disco, 1, disco.length - 1));
        assertFalse(DiscoFrame.looksLikeDisco(disco, 10, disco.length), "bounds are checked, not trusted");
        byte[] magic = DiscoFrame.magic();
        assertTrue((magic[0] & 0xC0) != 0, "not STUN: top two bits are not 00");
        assertTrue(magic[0] < 1 || magic[0] > 4 || magic[1] != 0, "not WireGuard: type 1-4 then zeros");
    }

    private static void assertMalformed(byte[] b) {
        assertThrows(MalformedMessageException.class, () -> DiscoMessage.decode(ByteBuffer.wrap(b)));
    }
}
