package dev.warren.channel.internal;

import dev.warren.crypto.Aead;

/**
 * Wire constants of the control channel: the Noise prologue and the record layout.
 *
 * <pre>
 *   record (one WebSocket binary message after the handshake):
 *     counter   u64 big-endian   explicit nonce, 0, 1, 2, ... per direction; must be exactly the next one
 *     sealed    AEAD(flags u8 ‖ chunk)   ChaCha20-Poly1305 under the direction's transport key,
 *                                      nonce = counter, no associated data; 16-byte tag at the end
 *   flags: bit 0 = last chunk of a message; bits 1..7 reserved (must be 0)
 * </pre>
 */
public final class Records {
    /** The Noise prologue; it binds the protocol name and version into the handshake hash. */
    public static final String PROLOGUE = "Warren Control Protocol v1";
    /** Bytes of the explicit counter at the start of each record. */
    public static final int COUNTER_SIZE = 8;
    /** The largest record on the wire (one WebSocket binary message), header and tag included. */
    public static final int MAX_RECORD_SIZE = 64 * 1024;
    /** The smallest record: counter, flags byte, empty chunk, tag. */
    public static final int MIN_RECORD_SIZE = COUNTER_SIZE + 1 + Aead.TAG_SIZE;
    /** The largest chunk of message bytes in one record. */
    public static final int MAX_CHUNK = MAX_RECORD_SIZE - MIN_RECORD_SIZE;
    /** Flag bit: this chunk ends its message. */
    public static final int FLAG_LAST = 0x01;
    /** Flag bit: the client's key confirmation (only in its first record, with {@link #FLAG_LAST} and no chunk). */
    public static final int FLAG_CONFIRM = 0x02;

    private Records() {
    }
}
