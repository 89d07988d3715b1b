package dev.warren.wire.disco;

import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The outer, plaintext envelope of a disco message as it travels in one UDP datagram or relay packet.
 *
 * <pre>
 * disco frame, 62 + n bytes
 *   0  [6]  magic "WDISCO" (57 44 49 53 43 4F)
 *   6  [32] sender's disco public key
 *  38  [24] nonce
 *  62  [n]  sealed box: the {@link DiscoMessage} payload, encrypted and authenticated (opaque here)
 * </pre>
 *
 * <p>Why this magic: Warren's one UDP socket carries WireGuard, STUN and disco, and the demultiplexer looks only
 * at the first bytes. A WireGuard message starts with a type byte 1–4 followed by three zero bytes; a STUN message
 * has its two top bits zero and the cookie 0x2112A442 at offset 4. The magic's first byte 'W' (0x57, top bits
 * {@code 01}) is neither 1–4 nor has top bits {@code 00}, so no frame can look like either, and its second byte is
 * non-zero as well; six ASCII bytes make an accidental match with other traffic a 2<sup>-48</sup> event and are
 * readable in a packet capture. It differs from Tailscale's "TS💬" on purpose: the protocols are not compatible.
 *
 * <p>The sealed part is everything after the nonce (it may be empty here; opening it checks the tag). Decoding
 * refuses frames shorter than {@link #HEADER_SIZE} or with another magic. Arrays are used as given (not copied);
 * treat them as immutable.
 */
public record DiscoFrame(byte[] senderDiscoKey, byte[] nonce, byte[] sealed) {
    public static final int MAGIC_SIZE = 6;
    public static final int KEY_SIZE = 32;
    public static final int NONCE_SIZE = 24;
    public static final int OFFSET_MAGIC = 0;
    public static final int OFFSET_KEY = 6;
    public static final int OFFSET_NONCE = 38;
    public static final int OFFSET_SEALED = 62;
    public static final int HEADER_SIZE = 62;
    private static final byte[] MAGIC = {'W', 'D', 'I', 'S', 'C', 'O'};

    public DiscoFrame {
        if (senderDiscoKey == null || senderDiscoKey.length != KEY_SIZE) {
            throw new IllegalArgumentException("disco key must be " + KEY_SIZE + " bytes");
        }
        if (nonce == null || nonce.length != NONCE_SIZE) {
            throw new IllegalArgumentException("disco nonce must be " + NONCE_SIZE + " bytes");
        }
        if (sealed == null) {
            throw new IllegalArgumentException("sealed payload is null");
        }
    }

    /** The six magic bytes (a copy). */
    public static byte[] magic() {
        return MAGIC.clone();
    }

    /** Cheap test for demultiplexing: long enough for the header and starts with the magic. Does not decode. */
    public static boolean looksLikeDisco(byte[] b, int offset, int length) {
        if (length < HEADER_SIZE || offset < 0 || offset > b.length - length) {
            return false;
        }
        return Arrays.equals(b, offset, offset + MAGIC_SIZE, MAGIC, 0, MAGIC_SIZE);
    }

    /** {@link #looksLikeDisco(byte[], int, int)} over {@code in}'s remaining bytes; does not move the position. */
    public static boolean looksLikeDisco(ByteBuffer in) {
        if (in.remaining() < HEADER_SIZE) {
            return false;
        }
        int p = in.position();
        for (int i = 0; i < MAGIC_SIZE; i++) {
            if (in.get(p + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Decodes a whole frame from {@code in}'s remaining bytes (all of them after the nonce are the box). */
    public static DiscoFrame decode(ByteBuffer in) throws MalformedMessageException {
        ByteBuffer b = in.slice();
        int len = b.remaining();
        if (len < HEADER_SIZE) {
            throw new MalformedMessageException("disco frame of " + len + " bytes is shorter than " + HEADER_SIZE);
        }
        if (!looksLikeDisco(b)) {
            throw new MalformedMessageException("disco frame without its magic");
        }
        byte[] key = new byte[KEY_SIZE];
        byte[] nonce = new byte[NONCE_SIZE];
        byte[] sealed = new byte[len - HEADER_SIZE];
        b.get(OFFSET_KEY, key).get(OFFSET_NONCE, nonce).get(OFFSET_SEALED, sealed);
        return new DiscoFrame(key, nonce, sealed);
    }

    /** Writes the frame into {@code out} at its position, advancing it. */
    public void encodeTo(ByteBuffer out) {
        out.put(MAGIC).put(senderDiscoKey).put(nonce).put(sealed);
    }

    /** The encoded size in bytes. */
    public int size() {
        return HEADER_SIZE + sealed.length;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size());
        encodeTo(b);
        return b.array();
    }
}
