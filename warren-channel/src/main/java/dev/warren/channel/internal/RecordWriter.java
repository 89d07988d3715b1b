package dev.warren.channel.internal;

import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The sending half of the record layer: splits a message into chunks of at most {@link Records#MAX_CHUNK} bytes and
 * seals each into one record with the next counter (see {@link Records} for the layout).
 *
 * <p>Not thread-safe: the owning connection calls it under its send lock.
 */
public final class RecordWriter {
    private final Aead aead;
    private final AeadKey key;
    private long counter; // next counter to use; guarded by the owner's send lock

    public RecordWriter(Aead aead, AeadKey key) {
        this.aead = aead;
        this.key = key;
    }

    /** The records carrying {@code message}: at least one (an empty message is one empty last chunk). */
    public List<byte[]> seal(byte[] message) throws IOException {
        int n = Math.max(1, (message.length + Records.MAX_CHUNK - 1) / Records.MAX_CHUNK);
        List<byte[]> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int off = i * Records.MAX_CHUNK;
            int len = Math.min(Records.MAX_CHUNK, message.length - off);
            records.add(sealChunk(message, off, len, i == n - 1));
        }
        return records;
    }

    /** The key confirmation record: the client's first record, flags {@code 0x03}, no chunk. */
    public byte[] sealConfirmation() throws IOException {
        return seal(new byte[0], 0, 0, Records.FLAG_LAST | Records.FLAG_CONFIRM);
    }

    /** Seals one chunk into one record; exposed for tests that build deliberately odd streams. */
    public byte[] sealChunk(byte[] src, int off, int len, boolean last) throws IOException {
        return seal(src, off, len, last ? Records.FLAG_LAST : 0);
    }

    private byte[] seal(byte[] src, int off, int len, int flags) throws IOException {
        if (len > Records.MAX_CHUNK) {
            throw new IllegalArgumentException("chunk of " + len + " bytes exceeds " + Records.MAX_CHUNK);
        }
        if (counter == Long.MAX_VALUE) {
            throw new IOException("control channel send counter exhausted; reconnect");
        }
        long c = counter++;
        byte[] rec = new byte[Records.COUNTER_SIZE + 1 + len + Aead.TAG_SIZE];
        ByteBuffer.wrap(rec).putLong(c);
        rec[Records.COUNTER_SIZE] = (byte) flags;
        System.arraycopy(src, off, rec, Records.COUNTER_SIZE + 1, len);
        ByteBuffer in = ByteBuffer.wrap(rec, Records.COUNTER_SIZE, 1 + len);
        ByteBuffer out = ByteBuffer.wrap(rec, Records.COUNTER_SIZE, 1 + len + Aead.TAG_SIZE);
        aead.seal(key, c, in, out, null);
        return rec;
    }

    /** The counter the next record will carry. */
    public long nextCounter() {
        return counter;
    }

    public void destroy() {
        key.destroy();
    }
}
