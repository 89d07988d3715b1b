package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UapiParserTest {
    private static final String P1 = "b83b8bf9d8784901349d3b22478e9a0b3b2c0adf54437f2442f7a9b354d5d924";

    @Test
    void edgeCasesMeanWhatWireguardGoWouldDo() throws Exception {
        SetRequest r = UapiParser.parseSet(Fixtures.read("valid/edge-cases.request"));
        assertEquals("7873637354ee70a2e311bde2a18e051029e92ec67d2053f69887d4df5b72db66", r.privateKey().toHex(),
                "uppercase hex accepted, key clamped");
        assertEquals(51820, r.listenPort(), "the last listen_port wins");
        assertEquals(-1, r.fwmark(), "fwmark 2^32-1 is carried as an unsigned int");
        assertFalse(r.replacePeers());
        assertEquals(3, r.peers().size(), "a repeated public_key opens a new section");

        PeerChange first = r.peers().get(0);
        assertTrue(first.updateOnly());
        assertEquals(Endpoint.parse("[fe80::1%3]:51820"), first.endpoint());
        assertEquals(List.of(IpPrefix.parse("10.0.0.0/8"), IpPrefix.parse("10.9.0.0/16")), first.addAllowedIps(),
                "host bits cleared; a re-added prefix cancels its removal");
        assertEquals(List.of(IpPrefix.parse("::ffff:10.0.0.0/104")), first.removeAllowedIps());
        assertNull(first.presharedKey());
        assertNull(first.persistentKeepaliveSeconds());

        PeerChange second = r.peers().get(1);
        assertTrue(second.remove());
        assertEquals(List.of(), second.addAllowedIps(), "lines after remove=true are validated but dropped");

        PeerChange third = r.peers().get(2);
        assertEquals(first.publicKey(), third.publicKey());
        assertEquals(0, third.persistentKeepaliveSeconds());
        assertTrue(third.replaceAllowedIps());
        assertEquals(List.of(IpPrefix.parse("10.5.0.0/16")), third.addAllowedIps(), "replace cancels earlier lines");
        assertEquals(PresharedKey.NONE, third.presharedKey());
    }

    @Test
    void privateKeysAreClampedUnlessZero() throws Exception {
        String raw = "ff".repeat(32);
        assertEquals("f8" + "ff".repeat(30) + "7f", UapiParser.parseSet("set=1\nprivate_key=" + raw + "\n\n").privateKey().toHex());
        assertTrue(UapiParser.parseSet("set=1\nprivate_key=" + "0".repeat(64) + "\n\n").privateKey().isZero());
    }

    @Test
    void severalRequestsOnOneStream() throws Exception {
        String text = "get=1\n\nset=1\nlisten_port=7\n\nset=1\nbogus=1\nlisten_port=8\n\nget=1\n\n";
        UapiParser p = new UapiParser(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
        assertInstanceOf(UapiRequest.Get.class, p.next());
        assertEquals(7, ((UapiRequest.Set) p.next()).request().listenPort());
        UapiException e = assertThrows(UapiException.class, p::next);
        assertEquals(UapiException.EINVAL, e.errno());
        assertTrue(p.inSync(), "the bad transaction was read to its end");
        assertInstanceOf(UapiRequest.Get.class, p.next());
        assertNull(p.next());
    }

    @Test
    void outOfSyncAfterUnknownOperation() throws Exception {
        UapiParser p = new UapiParser(new ByteArrayInputStream("hello\nget=1\n\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(UapiException.EINVAL, assertThrows(UapiException.class, p::next).errno());
        assertFalse(p.inSync());
        assertThrows(IllegalStateException.class, p::next);
    }

    @Test
    void limits() throws Exception {
        UapiParser longLine = new UapiParser(new ByteArrayInputStream(("set=1\nlisten_port=" + "1".repeat(100) + "\n\n")
                .getBytes(StandardCharsets.US_ASCII)), 64, 100);
        assertEquals(UapiException.EIO, assertThrows(UapiException.class, longLine::next).errno());
        assertFalse(longLine.inSync());

        UapiParser manyLines = new UapiParser(new ByteArrayInputStream(("set=1\n" + "listen_port=1\n".repeat(10) + "\n")
                .getBytes(StandardCharsets.US_ASCII)), 64, 5);
        assertEquals(UapiException.EIO, assertThrows(UapiException.class, manyLines::next).errno());
        assertFalse(manyLines.inSync());

        UapiParser justEnough = new UapiParser(new ByteArrayInputStream(("set=1\n" + "listen_port=1\n".repeat(4) + "\n")
                .getBytes(StandardCharsets.US_ASCII)), 64, 6);
        assertEquals(1, ((UapiRequest.Set) justEnough.next()).request().listenPort());
    }

    @Test
    void crlfInsideSetIsTolerated() throws Exception {
        SetRequest r = UapiParser.parseSet("set=1\nlisten_port=9\r\n\r\n");
        assertEquals(9, r.listenPort());
    }

    @Test
    void nonAsciiBytesAreRejectedNotMisread() {
        // "listen_port=٨" with an Arabic-Indic digit, which Java's Character.isDigit would accept.
        byte[] bytes = "set=1\nlisten_port=\u0668\n\n".getBytes(StandardCharsets.UTF_8);
        UapiParser p = new UapiParser(new ByteArrayInputStream(bytes));
        assertEquals(UapiException.EINVAL, assertThrows(UapiException.class, p::next).errno());
        assertEquals(UapiException.EINVAL, assertThrows(UapiException.class,
                () -> UapiParser.parseSet("set=1\npublic_key=" + P1 + "\nendpoint=1.2.3.4:\u0668\u0660\n\n")).errno());
    }

    @Test
    void endpointForms() throws Exception {
        assertEquals(Endpoint.parse("192.0.2.1:0"), endpoint("192.0.2.1:0"));
        assertEquals(Endpoint.parse("[::1]:1"), endpoint("[::1]:1"));
        assertEquals(Endpoint.parse("[::ffff:192.0.2.1]:1"), endpoint("[::ffff:192.0.2.1]:1"));
        for (String bad : List.of("[fe80::1%]:1", "[fe80::1]%1:1", "1.2.3.4:", ":1", "[::1]", "1.2.3.4:1 ", " 1.2.3.4:1",
                "[::1]:-1", "1.2.3.4:99999999999999999999")) {
            assertThrows(UapiException.class, () -> endpoint(bad), bad);
        }
    }

    private static Endpoint endpoint(String text) throws UapiException {
        return UapiParser.parseSet("set=1\npublic_key=" + P1 + "\nendpoint=" + text + "\n\n").peers().getFirst().endpoint();
    }
}
