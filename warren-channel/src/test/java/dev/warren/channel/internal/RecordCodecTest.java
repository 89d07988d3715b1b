package dev.warren.channel.internal;

import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest {
    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    private static RecordWriter writer() {
        return new RecordWriter(Aead.create(), AeadKey.of(KEY));
    }

    private static RecordReader reader(int max) {
        return new RecordReader(Aead.create(), AeadKey.of(KEY), max, false);
    }

    private static byte[] feed(RecordReader r, List<byte[]> records) throws ChannelException {
        byte[] out = null;
        for (int i = 0; i < records.size(); i++) {
            out = r.accept(ByteBuffer.wrap(records.get(i)));
            if (i < records.size() - 1) {
                assertNull(out);
            }
        }
        return out;
    }

    @Test
    void chunksAndReassembles() throws Exception {
        RecordWriter w = writer();
        RecordReader r = reader(1 << 20);
        Random rnd = new Random(3);
        for (int size : new int[] {0, 1, Records.MAX_CHUNK - 1, Records.MAX_CHUNK, Records.MAX_CHUNK + 1, 500_000}) {
            byte[] m = new byte[size];
            rnd.nextBytes(m);
            List<byte[]> recs = w.seal(m);
            assertEquals(Math.max(1, (size + Records.MAX_CHUNK - 1) / Records.MAX_CHUNK), recs.size());
            for (byte[] rec : recs) {
                assertTrue(rec.length <= Records.MAX_RECORD_SIZE && rec.length >= Records.MIN_RECORD_SIZE);
            }
            assertArrayEquals(m, feed(r, recs), "size " + size);
            assertEquals(0, r.pendingBytes());
        }
    }

    @Test
    void counterMustBeExactlyTheNext() throws Exception {
        RecordWriter w = writer();
        List<byte[]> a = w.seal(new byte[] {1});
        List<byte[]> b = w.seal(new byte[] {2});
        RecordReader r = reader(1000);
        ChannelException e = assertThrows(ChannelException.class, () -> r.accept(ByteBuffer.wrap(b.getFirst())));
        assertTrue(e.getMessage().contains("counter 1 where 0"), e.getMessage());
        // dead after a failure, even for the genuine next record
        assertThrows(ChannelException.class, () -> r.accept(ByteBuffer.wrap(a.getFirst())));

        RecordReader r2 = reader(1000);
        r2.accept(ByteBuffer.wrap(a.getFirst()));
        assertThrows(ChannelException.class, () -> r2.accept(ByteBuffer.wrap(a.getFirst())));
    }

    @Test
    void rejectsTamperingSizeAndFlags() throws Exception {
        byte[] rec = writer().seal(new byte[] {1, 2, 3}).getFirst();
        for (int i = 0; i < rec.length; i++) {
            byte[] bad = rec.clone();
            bad[i] ^= 0x10;
            int index = i;
            assertThrows(ChannelException.class, () -> reader(1000).accept(ByteBuffer.wrap(bad)), "byte " + index);
        }
        assertThrows(ChannelException.class, () -> reader(1000).accept(ByteBuffer.wrap(new byte[Records.MIN_RECORD_SIZE - 1])));
        assertThrows(ChannelException.class, () -> reader(1000).accept(ByteBuffer.wrap(new byte[Records.MAX_RECORD_SIZE + 1])));
    }

    @Test
    void confirmationComesFirstAndOnlyWhereExpected() throws Exception {
        RecordWriter w = writer();
        byte[] confirm = w.sealConfirmation();
        byte[] message = w.seal(new byte[] {5}).getFirst();
        RecordReader server = new RecordReader(Aead.create(), AeadKey.of(KEY), 100, true);
        assertTrue(server.accept(ByteBuffer.wrap(confirm)) == RecordReader.CONFIRMATION);
        assertArrayEquals(new byte[] {5}, server.accept(ByteBuffer.wrap(message)));

        RecordWriter w2 = writer();
        byte[] plainFirst = w2.seal(new byte[0]).getFirst();
        RecordReader server2 = new RecordReader(Aead.create(), AeadKey.of(KEY), 100, true);
        ChannelException e = assertThrows(ChannelException.class, () -> server2.accept(ByteBuffer.wrap(plainFirst)));
        assertTrue(e.getMessage().contains("key confirmation"), e.getMessage());

        RecordReader client = reader(100);
        assertThrows(ChannelException.class, () -> client.accept(ByteBuffer.wrap(confirm)));
    }

    @Test
    void enforcesTheMessageMaximumAndEmptyChunks() throws Exception {
        RecordWriter w = writer();
        RecordReader r = reader(10);
        assertNull(r.accept(ByteBuffer.wrap(w.sealChunk(new byte[6], 0, 6, false))));
        ChannelException e = assertThrows(ChannelException.class,
                () -> r.accept(ByteBuffer.wrap(w.sealChunk(new byte[6], 0, 6, true))));
        assertTrue(e.getMessage().contains("maximum"), e.getMessage());

        RecordWriter w2 = writer();
        RecordReader r2 = reader(10);
        assertThrows(ChannelException.class, () -> r2.accept(ByteBuffer.wrap(w2.sealChunk(new byte[0], 0, 0, false))));
    }
}
