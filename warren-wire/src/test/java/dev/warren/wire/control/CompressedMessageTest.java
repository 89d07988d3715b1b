package dev.warren.wire.control;

import dev.warren.wire.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compressed form of a control message: a zero byte and a raw DEFLATE stream; and the opt-in field. */
class CompressedMessageTest {
    static byte[] compress(byte[] json) {
        Deflater d = new Deflater(Deflater.BEST_SPEED, true);
        d.setInput(json);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ControlJson.DEFLATED);
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    @Test
    void decodesBothForms() throws Exception {
        MapResponse m = MapResponse.keepAlive("h", 3, Instant.parse("2026-12-04T20:00:00Z"));
        byte[] json = ControlJson.encode(m);
        byte[] z = compress(json);
        assertTrue(ControlJson.isCompressed(z));
        assertEquals(m, ControlJson.decode(json));
        assertEquals(m, ControlJson.decode(z));
        assertEquals(new String(json, StandardCharsets.UTF_8),
                new String(ControlJson.inflate(z), StandardCharsets.UTF_8));
    }

    @Test
    void truncatedOrGarbageIsMalformed() {
        byte[] z = compress(ControlJson.encode(MapResponse.keepAlive("h", 3, Instant.EPOCH)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode(Arrays.copyOf(z, z.length - 3)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode(new byte[]{0, (byte) 0xff, 1, 2}));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode(new byte[]{0}));
    }

    @Test
    void inflatingBeyondTheLimitIsMalformed() {
        byte[] bomb = new byte[ControlJson.MAX_INFLATED + 1];
        Arrays.fill(bomb, (byte) ' ');
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> ControlJson.decode(compress(bomb)));
        assertTrue(e.getMessage().contains("inflates beyond"), e.getMessage());
    }

    @Test
    void compressIsOptionalOnTheWire() throws Exception {
        MapRequest old = (MapRequest) ControlJson.decode(("{\"type\":\"map\",\"version\":1,\"stream\":true,"
                + "\"lastSeq\":0}").getBytes(StandardCharsets.UTF_8));
        assertNull(old.compress());
        assertTrue(!old.acceptsDeflate());
        MapRequest r = new MapRequest(1, null, true, null, null, null, 0, MapRequest.DEFLATE);
        String text = new String(ControlJson.encode(r), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"compress\":\"deflate\""), text);
        assertTrue(((MapRequest) ControlJson.decode(text.getBytes(StandardCharsets.UTF_8))).acceptsDeflate());
        assertTrue(!new String(ControlJson.encode(new MapRequest(1, null, true, null, null, null, 0)),
                StandardCharsets.UTF_8).contains("compress"), "omitted when null");
    }
}
