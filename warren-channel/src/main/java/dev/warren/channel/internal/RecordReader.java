package dev.warren.channel.internal;

import dev.warren.channel.ControlConnection;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The receiving half of the record layer: checks each record's explicit counter (it must be exactly the next one, so
 * a replayed, dropped or reordered record fails), opens it, and reassembles chunks into whole messages of at most
 * {@link ControlConnection#MAX_MESSAGE_SIZE} bytes.
 *
 * <p>Any bad input raises {@link ChannelException} and nothing else; after the first failure the reader is dead
 * and fails every later call (the connection is torn down anyway). Not thread-safe: driven by the one transport
 * thread that delivers records in order.
 */
public final class RecordReader {
    /** Returned (by identity) by {@link #accept} for the key confirmation record; not a message. */
    public static final byte[] CONFIRMATION = new byte[0];

    private final Aead aead;
    private final AeadKey key;
    private final int maxMessage;
    private final boolean expectConfirmation;
    private long expected;             // next counter
    private byte[] partial = new byte[0];
    private int partialLength;         // bytes of the message being reassembled
    private boolean failed;

    /**
     * @param expectConfirmation true on the server: the first record must be the client's key confirmation
     *     ({@link Records#FLAG_CONFIRM}), which {@link #accept} reports as {@link #CONFIRMATION}
     */
    public RecordReader(Aead aead, AeadKey key, boolean expectConfirmation) {
        this(aead, key, ControlConnection.MAX_MESSAGE_SIZE, expectConfirmation);
    }

    RecordReader(Aead aead, AeadKey key, int maxMessage, boolean expectConfirmation) {
        this.aead = aead;
        this.key = key;
        this.maxMessage = maxMessage;
        this.expectConfirmation = expectConfirmation;
    }

    /**
     * Consumes one record (the whole of {@code record}'s remaining bytes).
     *
     * @return the completed message when this record ended one, otherwise {@code null}
     */
    public byte[] accept(ByteBuffer record) throws ChannelException {
        if (failed) {
            throw new ChannelException("record after an earlier record failed");
        }
        try {
            return acceptChecked(record);
        } catch (ChannelException e) {
            fail();
            throw e;
        }
    }

    private byte[] acceptChecked(ByteBuffer record) throws ChannelException {
        int len = record.remaining();
        if (len < Records.MIN_RECORD_SIZE) {
            throw new ChannelException("record of " + len + " bytes is shorter than the minimum " + Records.MIN_RECORD_SIZE);
        }
        if (len > Records.MAX_RECORD_SIZE) {
            throw new ChannelException("record of " + len + " bytes exceeds the maximum " + Records.MAX_RECORD_SIZE);
        }
        long counter = record.getLong(record.position());
        if (counter != expected) {
            throw new ChannelException("record counter " + Long.toUnsignedString(counter) + " where "
                    + expected + " was expected (replayed, reordered or dropped record)");
        }
        ByteBuffer in = record.duplicate();
        in.position(record.position() + Records.COUNTER_SIZE);
        byte[] plain = new byte[len - Records.COUNTER_SIZE - Aead.TAG_SIZE];
        int n = aead.open(key, counter, in, ByteBuffer.wrap(plain), null);
        if (n != plain.length) {
            throw new ChannelException("record " + counter + " failed authentication");
        }
        expected++;
        record.position(record.limit());
        int flags = plain[0] & 0xff;
        if (expectConfirmation && counter == 0) {
            if (flags != (Records.FLAG_LAST | Records.FLAG_CONFIRM) || plain.length != 1) {
                throw new ChannelException("first record is not the key confirmation");
            }
            return CONFIRMATION;
        }
        if ((flags & ~Records.FLAG_LAST) != 0) {
            throw new ChannelException("record " + counter + " has reserved flag bits 0x" + Integer.toHexString(flags));
        }
        boolean last = (flags & Records.FLAG_LAST) != 0;
        int chunk = plain.length - 1;
        if (!last && chunk == 0) {
            throw new ChannelException("record " + counter + " is an empty non-final chunk");
        }
        if ((long) partialLength + chunk > maxMessage) {
            throw new ChannelException("message exceeds the maximum of " + maxMessage + " bytes");
        }
        if (last && partialLength == 0) {
            return Arrays.copyOfRange(plain, 1, plain.length); // the common single-record message
        }
        if (partialLength + chunk > partial.length) {
            int cap = (int) Math.min(maxMessage, Math.max((long) partial.length * 2, (long) partialLength + chunk));
            partial = Arrays.copyOf(partial, cap);
        }
        System.arraycopy(plain, 1, partial, partialLength, chunk);
        partialLength += chunk;
        if (!last) {
            return null;
        }
        byte[] message = Arrays.copyOf(partial, partialLength);
        partial = new byte[0];
        partialLength = 0;
        return message;
    }

    /** Bytes of the message currently being reassembled. */
    public int pendingBytes() {
        return partialLength;
    }

    private void fail() {
        failed = true;
        partial = new byte[0];
        partialLength = 0;
    }

    public void destroy() {
        key.destroy();
    }
}
