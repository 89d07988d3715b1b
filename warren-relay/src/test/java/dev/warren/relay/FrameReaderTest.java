package dev.warren.relay;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FrameReader}: the frames it returns are exactly the stream's frames however the stream is cut into reads
 * (every split point of a multi-frame stream; random chunkings), it parses many frames out of one read, its buffer
 * stays within its bound, and it ends with the documented exceptions.
 */
class FrameReaderTest {
    static final PublicKey K = PublicKey.of(new byte[32]);

    /** An input stream that returns at most the given chunk sizes per read, cycling through them. */
    static final class Chunked extends InputStream {
        final byte[] data;
        final int[] chunks;
        int pos;
        int reads;

        Chunked(byte[] data, int... chunks) {
            this.data = data;
            this.chunks = chunks;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, data.length - pos), Math.max(1, chunks[reads++ % chunks.length]));
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    static byte[] concat(List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static List<byte[]> sampleFrames() {
        List<byte[]> l = new ArrayList<>();
        l.add(new RelayFrame.RecvPacket(K, RelayTestKit.bytes(100, 1)).encode());
        l.add(new RelayFrame.KeepAlive().encode());
        l.add(new RelayFrame.RecvPacket(K, RelayTestKit.bytes(1280, 2)).encode());
        l.add(new RelayFrame.Ping(new byte[8]).encode());
        l.add(new RelayFrame.RecvPacket(K, new byte[0]).encode());
        l.add(new RelayFrame.Health("hello").encode());
        return l;
    }

    /** Reads every frame (as copies) until the clean end of the stream. */
    static List<byte[]> readAll(FrameReader r) throws IOException, MalformedMessageException {
        List<byte[]> got = new ArrayList<>();
        while (true) {
            try {
                int type = r.next();
                byte[] f = r.copyFrame();
                assertEquals(type, f[0] & 0xFF);
                assertEquals(r.frameLength(), f.length);
                assertEquals(r.frameOffset() + RelayFrame.HEADER_SIZE, r.payloadOffset());
                assertEquals(f.length - RelayFrame.HEADER_SIZE, r.payloadLength());
                got.add(f);
            } catch (EOFException e) {
                assertEquals("end of stream", e.getMessage());
                return got;
            }
        }
    }

    static void assertSameFrames(List<byte[]> want, List<byte[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "frame " + i);
        }
    }

    @Test
    void everySplitPointOfTheStreamGivesTheSameFrames() throws Exception {
        List<byte[]> frames = sampleFrames();
        byte[] stream = concat(frames);
        for (int split = 1; split < stream.length; split++) {
            // first read ends at byte `split`, then the rest in one read
            Chunked in = new Chunked(stream, split, stream.length);
            assertSameFrames(frames, readAll(new FrameReader(in, 64)));
        }
    }

    @Test
    void byteByByteReadsGiveTheSameFrames() throws Exception {
        List<byte[]> frames = sampleFrames();
        assertSameFrames(frames, readAll(new FrameReader(new Chunked(concat(frames), 1), 64)));
    }

    @Test
    void oneReadYieldsManyFramesWithoutReadingAgain() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            frames.add(new RelayFrame.RecvPacket(K, RelayTestKit.bytes(300, i)).encode());
        }
        byte[] stream = concat(frames);
        Chunked in = new Chunked(stream, stream.length);
        FrameReader r = new FrameReader(in, FrameReader.MAX_CAPACITY);
        for (int i = 0; i < 40; i++) {
            assertEquals(RelayFrame.TYPE_RECV_PACKET, r.next());
            assertArrayEquals(frames.get(i), r.copyFrame());
            assertEquals(i < 39, r.hasBufferedFrame(), "frame " + i);
        }
        assertEquals(1, in.reads, "all 40 frames came from one read");
    }

    @Test
    void hasBufferedFrameIsFalseForAPartialFrame() throws Exception {
        byte[] a = new RelayFrame.KeepAlive().encode();
        byte[] b = new RelayFrame.RecvPacket(K, new byte[50]).encode();
        byte[] stream = concat(List.of(a, b));
        // the first read returns the KeepAlive and half of the RecvPacket
        FrameReader r = new FrameReader(new Chunked(stream, a.length + 20, 1000), 64);
        assertEquals(RelayFrame.TYPE_KEEP_ALIVE, r.next());
        assertFalse(r.hasBufferedFrame());
        assertEquals(RelayFrame.TYPE_RECV_PACKET, r.next());
        assertFalse(r.hasBufferedFrame());
    }

    @Test
    void aMaximalFrameFitsAndTheBufferStaysBounded() throws Exception {
        byte[] big = new RelayFrame.RecvPacket(K, RelayTestKit.bytes(RelayFrame.MAX_PACKET_SIZE, 3)).encode();
        List<byte[]> frames = List.of(big, new RelayFrame.KeepAlive().encode(), big, big);
        FrameReader r = new FrameReader(new Chunked(concat(frames), 70_000, 1, 100_000));
        assertSameFrames(frames, readAll(r));
        assertTrue(r.capacity() <= FrameReader.MAX_CAPACITY, "capacity " + r.capacity());
    }

    @Test
    void anIdleConnectionKeepsASmallBuffer() throws Exception {
        List<byte[]> frames = List.of(new RelayFrame.KeepAlive().encode(), new RelayFrame.Ping(new byte[8]).encode());
        FrameReader r = new FrameReader(new Chunked(concat(frames), 3));
        assertSameFrames(frames, readAll(r));
        assertEquals(FrameReader.INITIAL_CAPACITY, r.capacity());
    }

    @Test
    void endsOfStreamAndOverLimitFramesAreReportedAsDocumented() {
        byte[] f = new RelayFrame.RecvPacket(K, new byte[50]).encode();
        EOFException inHeader = assertThrows(EOFException.class,
                () -> new FrameReader(new ByteArrayInputStream(Arrays.copyOf(f, 3))).next());
        assertEquals("end of stream inside a frame header", inHeader.getMessage());
        EOFException inFrame = assertThrows(EOFException.class,
                () -> new FrameReader(new ByteArrayInputStream(Arrays.copyOf(f, 40))).next());
        assertEquals("end of stream inside a RecvPacket frame", inFrame.getMessage());
        byte[] huge = new byte[5];
        FrameIo.writeHeader(huge, 0, RelayFrame.TYPE_KEEP_ALIVE, 2000);
        assertThrows(MalformedMessageException.class, () -> new FrameReader(new ByteArrayInputStream(huge)).next());
        byte[] unknownHuge = new byte[5];
        FrameIo.writeHeader(unknownHuge, 0, 0x7f, Integer.MAX_VALUE);
        assertThrows(MalformedMessageException.class,
                () -> new FrameReader(new ByteArrayInputStream(unknownHuge)).next());
        assertThrows(IllegalArgumentException.class, () -> new FrameReader(InputStream.nullInputStream(), 10));
    }

    @Property(tries = 200)
    void anyChunkingGivesTheFramesFrameIoReads(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 3000) Integer> sizes,
                                               @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 5000) Integer> chunks)
            throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            int s = sizes.get(i);
            frames.add(s % 7 == 0 ? new RelayFrame.KeepAlive().encode()
                    : new RelayFrame.RecvPacket(K, RelayTestKit.bytes(s, i)).encode());
        }
        byte[] stream = concat(frames);
        List<byte[]> viaFrameIo = new ArrayList<>();
        ByteArrayInputStream plain = new ByteArrayInputStream(stream);
        while (plain.available() > 0) {
            viaFrameIo.add(FrameIo.readFrame(plain));
        }
        int[] c = chunks.stream().mapToInt(Integer::intValue).toArray();
        assertSameFrames(viaFrameIo, readAll(new FrameReader(new Chunked(stream, c), 64)));
    }
}
