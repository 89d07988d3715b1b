package dev.warren.wire.stun;

import dev.warren.wire.MalformedMessageException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

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
            return Encoder.size(null, null, null, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            Encoder.encode(out, TYPE_BINDING_REQUEST, transactionId, null, null, null, software);
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
            return Encoder.size(xorMappedAddress, mappedAddress, null, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            Encoder.encode(out, TYPE_BINDING_SUCCESS, transactionId, xorMappedAddress, mappedAddress, this, software);
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
            return Encoder.size(null, null, this, software);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            Encoder.encode(out, TYPE_BINDING_ERROR, transactionId, null, null, this, software);
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
        return Decoder.decode(in);
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

    /** Writing; kept apart so the records stay declarative. */
    final class Encoder {
        private Encoder() {
        }

        static int addressSize(InetSocketAddress a) {
            if (a == null) {
                return 0;
            }
            return ATTRIBUTE_HEADER_SIZE
                    + (a.getAddress() instanceof Inet4Address ? ADDRESS_V4_VALUE_SIZE : ADDRESS_V6_VALUE_SIZE);
        }

        static int size(InetSocketAddress xor, InetSocketAddress mapped, BindingError error, String software) {
            int n = HEADER_SIZE + addressSize(xor) + addressSize(mapped)
                    + ATTRIBUTE_HEADER_SIZE + FINGERPRINT_VALUE_SIZE;
            if (error != null) {
                n += ATTRIBUTE_HEADER_SIZE + pad(ERROR_CODE_MIN_VALUE_SIZE + utf8(error.reason()).length);
            }
            if (software != null) {
                n += ATTRIBUTE_HEADER_SIZE + pad(utf8(software).length);
            }
            if (n - HEADER_SIZE > MAX_ATTRIBUTES_LENGTH) {
                throw new IllegalArgumentException("STUN message of " + n + " bytes does not fit its length field");
            }
            return n;
        }

        static void encode(ByteBuffer out, int type, byte[] txid, InetSocketAddress xor, InetSocketAddress mapped,
                           StunMessage maybeError, String software) {
            BindingError error = maybeError instanceof BindingError e ? e : null;
            int total = size(xor, mapped, error, software);
            out.order(ByteOrder.BIG_ENDIAN);
            int start = out.position();
            out.putShort((short) type).putShort((short) (total - HEADER_SIZE)).putInt(MAGIC_COOKIE).put(txid);
            if (xor != null) {
                putAddress(out, ATTR_XOR_MAPPED_ADDRESS, xor, txid);
            }
            if (mapped != null) {
                putAddress(out, ATTR_MAPPED_ADDRESS, mapped, null);
            }
            if (error != null) {
                byte[] reason = utf8(error.reason());
                out.putShort((short) ATTR_ERROR_CODE).putShort((short) (ERROR_CODE_MIN_VALUE_SIZE + reason.length))
                        .putShort((short) 0).put((byte) (error.code() / 100)).put((byte) (error.code() % 100))
                        .put(reason);
                padTo(out, ERROR_CODE_MIN_VALUE_SIZE + reason.length);
            }
            if (software != null) {
                byte[] s = utf8(software);
                out.putShort((short) ATTR_SOFTWARE).putShort((short) s.length).put(s);
                padTo(out, s.length);
            }
            int fpAt = out.position();
            ByteBuffer covered = out.duplicate().position(start).limit(fpAt);
            CRC32 crc = new CRC32();
            crc.update(covered);
            out.putShort((short) ATTR_FINGERPRINT).putShort((short) FINGERPRINT_VALUE_SIZE)
                    .putInt((int) crc.getValue() ^ FINGERPRINT_XOR);
        }

        private static void putAddress(ByteBuffer out, int attr, InetSocketAddress a, byte[] txid) {
            byte[] ip = a.getAddress().getAddress();
            boolean v4 = ip.length == 4;
            int port = a.getPort();
            if (txid != null) {
                port ^= MAGIC_COOKIE >>> 16;
                xorAddress(ip, txid);
            }
            out.putShort((short) attr).putShort((short) (v4 ? ADDRESS_V4_VALUE_SIZE : ADDRESS_V6_VALUE_SIZE))
                    .put((byte) 0).put((byte) (v4 ? FAMILY_IPV4 : FAMILY_IPV6)).putShort((short) port).put(ip);
        }

        private static void padTo(ByteBuffer out, int valueLength) {
            for (int i = valueLength; i % 4 != 0; i++) {
                out.put((byte) 0);
            }
        }

        static int pad(int n) {
            return (n + 3) & ~3;
        }

        static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        /** XORs an address with the cookie (IPv4) or cookie ‖ transaction id (IPv6), in place. */
        static void xorAddress(byte[] ip, byte[] txid) {
            for (int i = 0; i < ip.length; i++) {
                int k = i < 4 ? (MAGIC_COOKIE >>> (24 - 8 * i)) & 0xFF : txid[i - 4] & 0xFF;
                ip[i] ^= (byte) k;
            }
        }
    }

    /** Reading. */
    final class Decoder {
        private Decoder() {
        }

        static StunMessage decode(ByteBuffer in) throws MalformedMessageException {
            ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
            int len = b.remaining();
            if (len < HEADER_SIZE) {
                throw new MalformedMessageException("STUN message of " + len + " bytes is shorter than its header");
            }
            int type = b.getShort(OFFSET_TYPE) & 0xFFFF;
            if ((type & 0xC000) != 0) {
                throw new MalformedMessageException("STUN type 0x" + Integer.toHexString(type) + " has top bits set");
            }
            if (b.getInt(OFFSET_COOKIE) != MAGIC_COOKIE) {
                throw new MalformedMessageException("STUN magic cookie missing");
            }
            int msgLen = b.getShort(OFFSET_LENGTH) & 0xFFFF;
            if (msgLen % 4 != 0) {
                throw new MalformedMessageException("STUN length " + msgLen + " is not a multiple of 4");
            }
            int end = HEADER_SIZE + msgLen;
            if (end > len) {
                throw new MalformedMessageException("STUN length " + msgLen + " exceeds the " + (len - HEADER_SIZE)
                        + " bytes after the header");
            }
            byte[] txid = new byte[TRANSACTION_ID_SIZE];
            b.get(OFFSET_TRANSACTION_ID, txid);

            InetSocketAddress xor = null;
            InetSocketAddress mapped = null;
            boolean hasError = false;
            int errorCode = 0;
            String reason = "";
            String software = null;
            boolean fingerprinted = false;
            List<Integer> unknown = new ArrayList<>();
            boolean[] seen = new boolean[4]; // xor, mapped, error, software
            int pos = HEADER_SIZE;
            while (pos < end) {
                if (fingerprinted) {
                    throw new MalformedMessageException("STUN attribute after FINGERPRINT");
                }
                if (end - pos < ATTRIBUTE_HEADER_SIZE) {
                    throw new MalformedMessageException("STUN attribute header truncated at " + pos);
                }
                int attr = b.getShort(pos) & 0xFFFF;
                int alen = b.getShort(pos + 2) & 0xFFFF;
                int vs = pos + ATTRIBUTE_HEADER_SIZE;
                if (Encoder.pad(alen) > end - vs) {
                    throw new MalformedMessageException("STUN attribute 0x" + Integer.toHexString(attr) + " of "
                            + alen + " bytes overruns the message");
                }
                switch (attr) {
                    case ATTR_XOR_MAPPED_ADDRESS, ATTR_XOR_MAPPED_ADDRESS_DRAFT -> {
                        if (!seen[0]) {
                            seen[0] = true;
                            xor = address(b, vs, alen, txid);
                        }
                    }
                    case ATTR_MAPPED_ADDRESS -> {
                        if (!seen[1]) {
                            seen[1] = true;
                            mapped = address(b, vs, alen, null);
                        }
                    }
                    case ATTR_ERROR_CODE -> {
                        if (!seen[2]) {
                            seen[2] = true;
                            if (alen < ERROR_CODE_MIN_VALUE_SIZE) {
                                throw new MalformedMessageException("STUN ERROR-CODE of " + alen + " bytes");
                            }
                            int cls = b.get(vs + 2) & 0x07;
                            int number = b.get(vs + 3) & 0xFF;
                            if (cls < 3 || cls > 6 || number > 99) {
                                throw new MalformedMessageException("STUN ERROR-CODE class " + cls + " number "
                                        + number);
                            }
                            hasError = true;
                            errorCode = cls * 100 + number;
                            String r = utf8OrNull(b, vs + ERROR_CODE_MIN_VALUE_SIZE, alen - ERROR_CODE_MIN_VALUE_SIZE);
                            reason = r == null ? "" : r;
                        }
                    }
                    case ATTR_SOFTWARE -> {
                        if (!seen[3]) {
                            seen[3] = true;
                            software = utf8OrNull(b, vs, alen);
                        }
                    }
                    case ATTR_FINGERPRINT -> {
                        if (alen != FINGERPRINT_VALUE_SIZE) {
                            throw new MalformedMessageException("STUN FINGERPRINT of " + alen + " bytes");
                        }
                        CRC32 crc = new CRC32();
                        crc.update(b.duplicate().position(0).limit(pos));
                        if (((int) crc.getValue() ^ FINGERPRINT_XOR) != b.getInt(vs)) {
                            throw new MalformedMessageException("STUN FINGERPRINT does not match");
                        }
                        fingerprinted = true;
                    }
                    default -> unknown.add(attr);
                }
                pos = vs + Encoder.pad(alen);
            }
            return switch (type) {
                case TYPE_BINDING_REQUEST -> new BindingRequest(txid, software, unknown);
                case TYPE_BINDING_SUCCESS -> new BindingSuccess(txid, xor, mapped, software, unknown);
                case TYPE_BINDING_ERROR -> {
                    if (!hasError) {
                        throw new MalformedMessageException("STUN error response without ERROR-CODE");
                    }
                    yield new BindingError(txid, errorCode, reason, software, unknown);
                }
                default -> {
                    byte[] all = new byte[end];
                    b.get(0, all);
                    yield new Unknown(type, txid, all);
                }
            };
        }

        private static InetSocketAddress address(ByteBuffer b, int vs, int alen, byte[] txid)
                throws MalformedMessageException {
            if (alen < 2) {
                throw new MalformedMessageException("STUN address attribute of " + alen + " bytes");
            }
            int family = b.get(vs + 1) & 0xFF;
            int expected = switch (family) {
                case FAMILY_IPV4 -> ADDRESS_V4_VALUE_SIZE;
                case FAMILY_IPV6 -> ADDRESS_V6_VALUE_SIZE;
                default -> throw new MalformedMessageException("STUN address family " + family);
            };
            if (alen != expected) {
                throw new MalformedMessageException("STUN address of family " + family + " has " + alen + " bytes");
            }
            int port = b.getShort(vs + 2) & 0xFFFF;
            byte[] ip = new byte[family == FAMILY_IPV4 ? 4 : 16];
            b.get(vs + 4, ip);
            if (txid != null) {
                port ^= MAGIC_COOKIE >>> 16;
                Encoder.xorAddress(ip, txid);
            }
            try {
                InetAddress a = family == FAMILY_IPV4 ? InetAddress.getByAddress(ip)
                        : java.net.Inet6Address.getByAddress(null, ip, -1);
                return new InetSocketAddress(a, port);
            } catch (UnknownHostException e) {
                throw new AssertionError("fixed-length address refused", e);
            }
        }

        private static String utf8OrNull(ByteBuffer b, int from, int n) {
            if (n > MAX_TEXT_BYTES) {
                return null;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(b.duplicate().position(from).limit(from + n)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
    }
}
