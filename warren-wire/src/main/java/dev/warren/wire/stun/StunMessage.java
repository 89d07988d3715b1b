package dev.warren.wire.stun;

import dev.warren.wire.MalformedMessageException;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * STUN Binding messages (RFC 8489 §5, §14). All fields are big-endian.
 *
 * <pre>
 * header, 20 bytes                              attribute, 4 + value + padding to a multiple of 4
 *   0  u16  type: 00 + method/class bits          0  u16  attribute type
 *   2  u16  length of the attributes (% 4 == 0)   2  u16  value length (without padding)
 *   4  u32  magic cookie 0x2112A442               4  [n]  value, then 0–3 padding bytes
 *   8  [12] transaction id
 *  20  attributes ...
 *
 * (XOR-)MAPPED-ADDRESS value, 8 (IPv4) or 20 (IPv6) bytes     ERROR-CODE value, 4 + reason bytes
 *   0  u8   reserved                                           0  u16  reserved (0)
 *   1  u8   family: 1 = IPv4, 2 = IPv6                         2  u8   class (low 3 bits, 3..6)
 *   2  u16  port (XOR: port ^ 0x2112)                          3  u8   number (0..99); code = class * 100 + number
 *   4  [4|16] address (XOR: ^ cookie, or ^ cookie ‖ txid)      4  [n]  UTF-8 reason phrase
 *
 * FINGERPRINT value, 4 bytes: CRC-32 of the message up to the attribute, XOR 0x5354554E; always last.
 * </pre>
 *
 * Decoding checks the header (top two bits zero, cookie, length a multiple of 4 that fits the buffer), walks the
 * attributes checking each length against the message length, verifies FINGERPRINT when present and refuses
 * attributes after it. The first occurrence of an attribute wins. Attributes Warren does not interpret (among
 * them USERNAME and MESSAGE-INTEGRITY) are skipped and their types reported in {@code unknownAttributes};
 * {@link #comprehensionRequired} picks out those below 0x8000, which a server answers with error 420. A SOFTWARE
 * value or reason phrase that is not valid UTF-8 or longer than {@link #MAX_TEXT_BYTES} is dropped rather than
 * refused. Trailing bytes after the length
 * the header states are ignored. Encoding writes the known attributes and always ends with FINGERPRINT; unknown
 * attributes are not re-encoded.
 */
public sealed interface StunMessage {
    int HEADER_SIZE = 20;
    int OFFSET_TYPE = 0;
    int OFFSET_LENGTH = 2;
    int OFFSET_COOKIE = 4;
    int OFFSET_TRANSACTION_ID = 8;
    int TRANSACTION_ID_SIZE = 12;
    int MAGIC_COOKIE = 0x2112A442;
    int ATTRIBUTE_HEADER_SIZE = 4;
    int FINGERPRINT_XOR = 0x5354554E;
    /** The largest attribute section the u16 length field can state (rounded down to a multiple of 4). */
    int MAX_ATTRIBUTES_LENGTH = 0xFFFC;

    int TYPE_BINDING_REQUEST = 0x0001;
    int TYPE_BINDING_SUCCESS = 0x0101;
    int TYPE_BINDING_ERROR = 0x0111;

    int ATTR_MAPPED_ADDRESS = 0x0001;
    int ATTR_ERROR_CODE = 0x0009;
    int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    /** XOR-MAPPED-ADDRESS under its pre-RFC 5389 draft number, still sent by some servers; read, never written. */
    int ATTR_XOR_MAPPED_ADDRESS_DRAFT = 0x8020;
    int ATTR_SOFTWARE = 0x8022;
    int ATTR_FINGERPRINT = 0x8028;

    int FAMILY_IPV4 = 1;
    int FAMILY_IPV6 = 2;
    int ADDRESS_V4_VALUE_SIZE = 8;
    int ADDRESS_V6_VALUE_SIZE = 20;
    int ERROR_CODE_MIN_VALUE_SIZE = 4;
    int FINGERPRINT_VALUE_SIZE = 4;
    /** RFC 8489's limit for SOFTWARE and reason phrases: fewer than 128 characters, at most 763 bytes. */
    int MAX_TEXT_BYTES = 763;

    /** The message type (top two bits zero, then method and class bits). */
    int type();

    /** The 12-byte transaction id. Arrays are used as given (not copied); treat them as immutable. */
    byte[] transactionId();

    /** Writes the message into {@code out} at its position (setting big-endian order), advancing it. */
    void encodeTo(ByteBuffer out);

    /** The encoded size in bytes. */
    int size();

    default byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size());
        encodeTo(b);
        return b.array();
    }

    /** A Binding request. {@code software} may be null. */
    record BindingRequest(byte[] transactionId, String software, List<Integer> unknownAttributes)
            implements StunMessage {
        public BindingRequest {
            requireTxid(transactionId);
            unknownAttributes = List.copyOf(unknownAttributes);
        }

        public BindingRequest(byte[] transactionId) {
            this(transactionId, null, List.of());
        }

        @Override
        public int type() {
            return TYPE_BINDING_REQUEST;
        }

        @Override
        public int size() {
            return StunCodec.Encoder.size(null, null, null, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            StunCodec.Encoder.encode(out, TYPE_BINDING_REQUEST, transactionId, null, null, null, software);
        }
    }

    /**
     * A Binding success response. Either address may be null; {@link #address()} prefers XOR-MAPPED-ADDRESS,
     * which NATs that rewrite addresses in payloads cannot mangle.
     */
    record BindingSuccess(byte[] transactionId, InetSocketAddress xorMappedAddress, InetSocketAddress mappedAddress,
                          String software, List<Integer> unknownAttributes) implements StunMessage {
        public BindingSuccess {
            requireTxid(transactionId);
            requireResolved(xorMappedAddress);
            requireResolved(mappedAddress);
            unknownAttributes = List.copyOf(unknownAttributes);
        }

        public BindingSuccess(byte[] transactionId, InetSocketAddress xorMappedAddress) {
            this(transactionId, xorMappedAddress, null, null, List.of());
        }

        /** The reflexive address the server saw, or null if the response carried none. */
        public InetSocketAddress address() {
            return xorMappedAddress != null ? xorMappedAddress : mappedAddress;
        }

        @Override
        public int type() {
            return TYPE_BINDING_SUCCESS;
        }

        @Override
        public int size() {
            return StunCodec.Encoder.size(xorMappedAddress, mappedAddress, null, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            StunCodec.Encoder.encode(out, TYPE_BINDING_SUCCESS, transactionId, xorMappedAddress, mappedAddress, null,
                    software);
        }
    }

    /** A Binding error response; {@code code} is 300..699, {@code reason} may be empty, never null. */
    record BindingError(byte[] transactionId, int code, String reason, String software, List<Integer> unknownAttributes)
            implements StunMessage {
        public BindingError {
            requireTxid(transactionId);
            if (code < 300 || code > 699) {
                throw new IllegalArgumentException("STUN error code " + code + " is outside 300..699");
            }
            reason = reason == null ? "" : reason;
            unknownAttributes = List.copyOf(unknownAttributes);
        }

        @Override
        public int type() {
            return TYPE_BINDING_ERROR;
        }

        @Override
        public int size() {
            return StunCodec.Encoder.size(null, null, this, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            StunCodec.Encoder.encode(out, TYPE_BINDING_ERROR, transactionId, null, null, this, software);
        }
    }

    /** Any other method or class (indications, TURN, ...); kept whole (header + attributes) for diagnostics. */
    record Unknown(int type, byte[] transactionId, byte[] bytes) implements StunMessage {
        @Override
        public void encodeTo(ByteBuffer out) {
            out.put(bytes);
        }

        @Override
        public int size() {
            return bytes.length;
        }
    }

    /** The reported attribute types a receiver must understand (below 0x8000). */
    static List<Integer> comprehensionRequired(List<Integer> unknownAttributes) {
        return unknownAttributes.stream().filter(t -> t < 0x8000).toList();
    }

    /**
     * Cheap test for demultiplexing a whole UDP datagram: at least a header, top two bits zero, the magic cookie,
     * and an attribute length that is a multiple of 4 and accounts exactly for the datagram. Does not decode.
     */
    static boolean looksLikeStun(byte[] b, int offset, int length) {
        if (length < HEADER_SIZE || offset < 0 || offset > b.length - length) {
            return false;
        }
        ByteBuffer h = ByteBuffer.wrap(b, offset, length).slice();
        return looksLikeStun(h);
    }

    /** {@link #looksLikeStun(byte[], int, int)} over {@code in}'s remaining bytes; does not move the position. */
    static boolean looksLikeStun(ByteBuffer in) {
        int len = in.remaining();
        if (len < HEADER_SIZE) {
            return false;
        }
        ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
        int msgLen = b.getShort(OFFSET_LENGTH) & 0xFFFF;
        return (b.get(OFFSET_TYPE) & 0xC0) == 0 && b.getInt(OFFSET_COOKIE) == MAGIC_COOKIE && msgLen % 4 == 0
                && HEADER_SIZE + msgLen == len;
    }

    /** Decodes one message from {@code in}'s remaining bytes without moving its position. */
    static StunMessage decode(ByteBuffer in) throws MalformedMessageException {
        return StunCodec.Decoder.decode(in);
    }

    private static void requireTxid(byte[] txid) {
        if (txid == null || txid.length != TRANSACTION_ID_SIZE) {
            throw new IllegalArgumentException("STUN transaction id must be " + TRANSACTION_ID_SIZE + " bytes");
        }
    }

    private static void requireResolved(InetSocketAddress a) {
        if (a != null && a.isUnresolved()) {
            throw new IllegalArgumentException("STUN address " + a + " is unresolved");
        }
    }

    /** Equality helper for tests: records over arrays compare by identity, this compares encodings. */
    static boolean sameEncoding(StunMessage a, StunMessage b) {
        return Arrays.equals(a.encode(), b.encode());
    }
}
