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

import static dev.warren.wire.stun.StunMessage.*;

/** STUN encoding and decoding behind {@link StunMessage}; see its Javadoc for the layout and the rules. */
final class StunCodec {
    private StunCodec() {
    }

    /** Writing; kept apart so the records stay declarative. */
    static final class Encoder {
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
                           BindingError error, String software) {
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
    static final class Decoder {
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
