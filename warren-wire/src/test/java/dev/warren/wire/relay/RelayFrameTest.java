package dev.warren.wire.relay;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.PublicKey;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layouts as known answers, round trips of every frame kind as properties, and the limits. */
class RelayFrameTest {
    private static final HexFormat HEX = HexFormat.of();

    @Property(tries = 300)
    void everyFrameRoundTrips(@ForAll("frames") RelayFrame f) throws MalformedMessageException {
        byte[] bytes = f.encode();
        assertEquals(RelayFrame.HEADER_SIZE + f.payloadSize(), bytes.length);
        assertEquals(f.type(), bytes[0] & 0xFF);
        assertEquals(f.payloadSize(), ByteBuffer.wrap(bytes).getInt(1));
        ByteBuffer in = ByteBuffer.wrap(bytes);
        RelayFrame back = RelayFrame.decodeFrame(in);
        assertEquals(bytes.length, in.position());
        assertArrayEquals(bytes, back.encode());
        assertEquals(f.getClass(), back.getClass());
    }

    @Property(tries = 100)
    void framesDecodeOneAfterAnother(@ForAll("frames") RelayFrame a, @ForAll("frames") RelayFrame b)
            throws MalformedMessageException {
        ByteBuffer in = ByteBuffer.allocate(a.encode().length + b.encode().length);
        a.encodeTo(in);
        b.encodeTo(in);
        in.flip();
        assertArrayEquals(a.encode(), RelayFrame.decodeFrame(in).encode());
        assertArrayEquals(b.encode(), RelayFrame.decodeFrame(in).encode());
        assertEquals(0, in.remaining());
    }

    @Test
    void knownLayouts() {
        PublicKey k = PublicKey.of(filled(32, 0x11));
        assertEquals("0100000028" + HEX.formatHex("WARRELAY".getBytes()) + "11".repeat(32),
                HEX.formatHex(new RelayFrame.ServerKey(k).encode()));
        assertEquals("0400000024" + "11".repeat(32) + "deadbeef",
                HEX.formatHex(new RelayFrame.SendPacket(k, HEX.parseHex("deadbeef")).encode()));
        assertEquals("0800000021" + "11".repeat(32) + "01",
                HEX.formatHex(new RelayFrame.PeerGone(k, RelayFrame.PEER_GONE_NOT_HERE).encode()));
        assertEquals("0600000000", HEX.formatHex(new RelayFrame.KeepAlive().encode()));
        assertEquals("07000000" + "0101", HEX.formatHex(new RelayFrame.NotePreferred(true).encode()));
        assertEquals("1200000008" + "0102030405060708",
                HEX.formatHex(new RelayFrame.Ping(HEX.parseHex("0102030405060708")).encode()));
    }

    @Test
    void unknownTypesAreKeptForSkipping() throws MalformedMessageException {
        RelayFrame f = RelayFrame.decodeFrame(ByteBuffer.wrap(HEX.parseHex("7f00000003aabbcc05")));
        RelayFrame.Unknown u = assertInstanceOf(RelayFrame.Unknown.class, f);
        assertEquals(0x7f, u.type());
        assertArrayEquals(HEX.parseHex("aabbcc"), u.payload());
    }

    @Test
    void refusalsNameTheProblem() {
        assertTrue(malformed("04000000100011").contains("states 16 payload bytes but 2 follow"));
        assertTrue(malformed("0400000001aa").contains("SendPacket frame of 1 payload bytes is shorter than 32"));
        assertTrue(malformed("0400010021").contains("longer than its limit of 65568"));
        assertTrue(malformed("1400000800").contains("Health frame of 2048 bytes is longer than its limit of 1024"));
        assertTrue(malformed("070000000102").contains("NotePreferred value 2"));
        assertTrue(malformed("0100000028" + "00".repeat(40)).contains("magic"));
        assertTrue(malformed("1400000002c328").contains("UTF-8"));
        assertTrue(malformed("0102").contains("shorter than its 5-byte header"));
        assertTrue(malformed("7f00010041").contains("type 0x7f frame of 65601 bytes is longer"));
    }

    @Test
    void trailingBytesOfFixedFramesAreIgnored() throws MalformedMessageException {
        RelayFrame f = RelayFrame.decodeFrame(ByteBuffer.wrap(HEX.parseHex("12000000090102030405060708ff")));
        assertArrayEquals(HEX.parseHex("0102030405060708"), assertInstanceOf(RelayFrame.Ping.class, f).data());
    }

    @Test
    void infoJson() throws MalformedMessageException {
        byte[] mesh = filled(32, 0xab);
        RelayInfo.Client c = RelayInfo.Client.fromJson(RelayInfo.Client.of(mesh).toJson());
        assertArrayEquals(mesh, c.meshKeyBytes());
        assertEquals(RelayInfo.PROTOCOL_VERSION, c.version());
        assertEquals(null, RelayInfo.Client.fromJson("{\"version\":1,\"future\":[1]}".getBytes()).meshKeyBytes());
        RelayInfo.Server s = new RelayInfo.Server(1, 5000, 70000);
        assertEquals(s, RelayInfo.Server.fromJson(s.toJson()));
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> RelayInfo.Server.fromJson("[1,2".getBytes()));
        assertTrue(e.getMessage().startsWith("server info is not valid JSON"), e.getMessage());
        assertThrows(MalformedMessageException.class, () -> RelayInfo.Client.fromJson("null".getBytes()));
    }

    private static String malformed(String hex) {
        return assertThrows(MalformedMessageException.class,
                () -> RelayFrame.decodeFrame(ByteBuffer.wrap(HEX.parseHex(hex)))).getMessage();
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    @Provide
    Arbitrary<RelayFrame> frames() {
        Arbitrary<PublicKey> key = Arbitraries.bytes().array(byte[].class).ofSize(32).map(PublicKey::of);
        Arbitrary<byte[]> nonce = Arbitraries.bytes().array(byte[].class).ofSize(24);
        Arbitrary<byte[]> box = Arbitraries.bytes().array(byte[].class).ofMinSize(16).ofMaxSize(300);
        Arbitrary<byte[]> packet = Arbitraries.bytes().array(byte[].class).ofMaxSize(1500);
        Arbitrary<byte[]> eight = Arbitraries.bytes().array(byte[].class).ofSize(8);
        Arbitrary<Integer> u8 = Arbitraries.integers().between(0, 255);
        Arbitrary<Integer> unknownType = u8.filter(t -> RelayFrame.typeName(t).startsWith("type "));
        return Arbitraries.oneOf(
                key.map(RelayFrame.ServerKey::new),
                Combinators.combine(key, nonce, box).as(RelayFrame.ClientInfo::new),
                Combinators.combine(nonce, box).as(RelayFrame.ServerInfo::new),
                Combinators.combine(key, packet).as(RelayFrame.SendPacket::new),
                Combinators.combine(key, packet).as(RelayFrame.RecvPacket::new),
                Arbitraries.just(new RelayFrame.KeepAlive()),
                Arbitraries.of(true, false).map(RelayFrame.NotePreferred::new),
                Combinators.combine(key, u8).as(RelayFrame.PeerGone::new),
                Combinators.combine(key, u8).as(RelayFrame.PeerPresent::new),
                Combinators.combine(key, key, packet).as(RelayFrame.ForwardPacket::new),
                Arbitraries.just(new RelayFrame.WatchConns()),
                key.map(RelayFrame.ClosePeer::new),
                eight.map(RelayFrame.Ping::new),
                eight.map(RelayFrame.Pong::new),
                Arbitraries.strings().ofMaxLength(200).map(RelayFrame.Health::new),
                Combinators.combine(unknownType, packet).as(RelayFrame.Unknown::new));
    }
}
