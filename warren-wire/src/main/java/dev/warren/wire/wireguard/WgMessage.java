package dev.warren.wire.wireguard;

import dev.warren.wire.MalformedMessageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The four WireGuard messages (paper §5.4). Every message starts with a little-endian u32 whose low byte is the
 * type and whose upper three bytes are zero. The three handshake messages are records here; transport data is
 * never materialised as an object — the engine reads its header in place through {@link TransportHeader}.
 *
 * <pre>
 * handshake initiation (type 1), 148 bytes      handshake response (type 2), 92 bytes
 *   0  u32  type = 1                               0  u32  type = 2
 *   4  u32  sender index (LE)                      4  u32  sender index (LE)
 *   8  [32] unencrypted ephemeral                  8  u32  receiver index (LE)
 *  40  [48] encrypted static (32 + tag)           12  [32] unencrypted ephemeral
 *  88  [28] encrypted timestamp (12 + tag)        44  [16] encrypted nothing (tag only)
 * 116  [16] mac1                                  60  [16] mac1
 * 132  [16] mac2                                  76  [16] mac2
 *
 * cookie reply (type 3), 64 bytes                transport data (type 4), 32 + n bytes
 *   0  u32  type = 3                               0  u32  type = 4
 *   4  u32  receiver index (LE)                    4  u32  receiver index (LE)
 *   8  [24] nonce                                  8  u64  counter (LE)
 *  32  [32] encrypted cookie (16 + tag)           16  [n + 16] encrypted packet + tag
 * </pre>
 * Decoders check the exact length of handshake messages (wireguard-go drops other sizes), accept trailing
 * bytes nowhere, and report problems with {@link MalformedMessageException}.
 */
public sealed interface WgMessage {
    int TYPE_INITIATION = 1;
    int TYPE_RESPONSE = 2;
    int TYPE_COOKIE_REPLY = 3;
    int TYPE_TRANSPORT = 4;

    int KEY_SIZE = 32;
    int TAG_SIZE = 16;
    int MAC_SIZE = 16;
    int TIMESTAMP_SIZE = 12;
    int COOKIE_NONCE_SIZE = 24;

    /** Writes the message into {@code out} at its position, advancing it. */
    void encodeTo(ByteBuffer out);

    /** The encoded size in bytes. */
    int size();

    default byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        encodeTo(b);
        return b.array();
    }

    /** Handshake initiation. Arrays are used as given (not copied); treat them as immutable. */
    record Initiation(int sender, byte[] ephemeral, byte[] encryptedStatic, byte[] encryptedTimestamp, byte[] mac1,
                      byte[] mac2) implements WgMessage {
        public static final int SIZE = 148;
        public static final int OFFSET_SENDER = 4;
        public static final int OFFSET_EPHEMERAL = 8;
        public static final int OFFSET_STATIC = 40;
        public static final int OFFSET_TIMESTAMP = 88;
        public static final int OFFSET_MAC1 = 116;
        public static final int OFFSET_MAC2 = 132;

        @Override
        public void encodeTo(ByteBuffer out) {
            out.order(ByteOrder.LITTLE_ENDIAN).putInt(TYPE_INITIATION).putInt(sender).put(ephemeral)
                    .put(encryptedStatic).put(encryptedTimestamp).put(mac1).put(mac2);
        }

        @Override
        public int size() {
            return SIZE;
        }

        static Initiation decodeBody(ByteBuffer in) {
            return new Initiation(in.getInt(), take(in, KEY_SIZE), take(in, KEY_SIZE + TAG_SIZE),
                    take(in, TIMESTAMP_SIZE + TAG_SIZE), take(in, MAC_SIZE), take(in, MAC_SIZE));
        }
    }

    /** Handshake response. */
    record Response(int sender, int receiver, byte[] ephemeral, byte[] encryptedNothing, byte[] mac1, byte[] mac2)
            implements WgMessage {
        public static final int SIZE = 92;
        public static final int OFFSET_SENDER = 4;
        public static final int OFFSET_RECEIVER = 8;
        public static final int OFFSET_EPHEMERAL = 12;
        public static final int OFFSET_EMPTY = 44;
        public static final int OFFSET_MAC1 = 60;
        public static final int OFFSET_MAC2 = 76;

        @Override
        public void encodeTo(ByteBuffer out) {
            out.order(ByteOrder.LITTLE_ENDIAN).putInt(TYPE_RESPONSE).putInt(sender).putInt(receiver).put(ephemeral)
                    .put(encryptedNothing).put(mac1).put(mac2);
        }

        @Override
        public int size() {
            return SIZE;
        }

        static Response decodeBody(ByteBuffer in) {
            return new Response(in.getInt(), in.getInt(), take(in, KEY_SIZE), take(in, TAG_SIZE), take(in, MAC_SIZE),
                    take(in, MAC_SIZE));
        }
    }

    /** Cookie reply, sent by a responder under load instead of a response. */
    record CookieReply(int receiver, byte[] nonce, byte[] encryptedCookie) implements WgMessage {
        public static final int SIZE = 64;
        public static final int OFFSET_RECEIVER = 4;
        public static final int OFFSET_NONCE = 8;
        public static final int OFFSET_COOKIE = 32;

        @Override
        public void encodeTo(ByteBuffer out) {
            out.order(ByteOrder.LITTLE_ENDIAN).putInt(TYPE_COOKIE_REPLY).putInt(receiver).put(nonce).put(encryptedCookie);
        }

        @Override
        public int size() {
            return SIZE;
        }

        static CookieReply decodeBody(ByteBuffer in) {
            return new CookieReply(in.getInt(), take(in, COOKIE_NONCE_SIZE), take(in, MAC_SIZE + TAG_SIZE));
        }
    }

    /** Transport data, decoded only for tests and tools; the engine reads the header in place. */
    record Transport(int receiver, long counter, byte[] encryptedPacket) implements WgMessage {
        @Override
        public void encodeTo(ByteBuffer out) {
            out.order(ByteOrder.LITTLE_ENDIAN).putInt(TYPE_TRANSPORT).putInt(receiver).putLong(counter).put(encryptedPacket);
        }

        @Override
        public int size() {
            return TransportHeader.SIZE + encryptedPacket.length;
        }
    }

    /** A message with an unknown type (or non-zero reserved bytes); kept whole for diagnostics. */
    record Unknown(int type, byte[] bytes) implements WgMessage {
        @Override
        public void encodeTo(ByteBuffer out) {
            out.put(bytes);
        }

        @Override
        public int size() {
            return bytes.length;
        }
    }

    /** Decodes one whole datagram. */
    static WgMessage decode(ByteBuffer in) throws MalformedMessageException {
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        int len = b.remaining();
        if (len < 4) {
            throw new MalformedMessageException("WireGuard message of " + len + " bytes is shorter than its type");
        }
        int type = b.getInt();
        return switch (type) {
            case TYPE_INITIATION -> {
                requireSize(len, Initiation.SIZE, "initiation");
                yield Initiation.decodeBody(b);
            }
            case TYPE_RESPONSE -> {
                requireSize(len, Response.SIZE, "response");
                yield Response.decodeBody(b);
            }
            case TYPE_COOKIE_REPLY -> {
                requireSize(len, CookieReply.SIZE, "cookie reply");
                yield CookieReply.decodeBody(b);
            }
            case TYPE_TRANSPORT -> {
                if (len < TransportHeader.MIN_SIZE) {
                    throw new MalformedMessageException("transport message of " + len + " bytes is shorter than "
                            + TransportHeader.MIN_SIZE);
                }
                int receiver = b.getInt();
                long counter = b.getLong();
                yield new Transport(receiver, counter, take(b, len - TransportHeader.SIZE));
            }
            default -> {
                byte[] all = new byte[len];
                in.slice().get(all);
                yield new Unknown(type, all);
            }
        };
    }

    private static void requireSize(int len, int size, String what) throws MalformedMessageException {
        if (len != size) {
            throw new MalformedMessageException("handshake " + what + " of " + len + " bytes, expected " + size);
        }
    }

    private static byte[] take(ByteBuffer in, int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** Equality helper for tests: records over arrays compare by identity, this compares encodings. */
    static boolean sameEncoding(WgMessage a, WgMessage b) {
        return Arrays.equals(a.encode(), b.encode());
    }
}
