package dev.warren.wire.disco;

import dev.warren.wire.MalformedMessageException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plaintext inside a {@link DiscoFrame}'s sealed box. Multi-byte integers are big-endian.
 *
 * <pre>
 * payload header, 2 bytes            Ping (type 1), 46 + padding bytes
 *   0  u8   type                       2  [12] transaction id
 *   1  u8   version (0)               14  [32] sender's node key
 *   2  body ...                       46  [p]  zero padding (path-MTU probes), ignored on receipt
 *
 * Pong (type 2), 32 bytes            CallMeMaybe (type 3), 2 + 18 × n bytes (version 1: 2 + 18 × (n + 1))
 *   2  [12] transaction id of the Ping  2 + 18i  [16] endpoint address (IPv6, IPv4 as ::ffff:a.b.c.d)
 *  14  [16] source address seen         18 + 18i u16  endpoint port
 *  30  u16  source port seen            version 1 only, after the n endpoints, the NAT-info entry:
 *                                       2 + 18n  [16] all zero (the unspecified address ::)
 *                                      18 + 18n  u16  NAT flags: bit 0 {@link CallMeMaybe#NAT_HARD},
 *                                                     bit 1 {@link CallMeMaybe#NAT_EASY}, others reserved (0)
 * </pre>
 *
 * A Pong tells the pinger the address its Ping came from, so every Pong is also a free STUN answer. CallMeMaybe
 * lists the sender's candidate endpoints and asks the receiver to ping them all. Decoding checks the minimum size
 * of each type; trailing bytes after a Ping's node key (padding) or a Pong are ignored, so later versions may append
 * fields; a CallMeMaybe body that is not a whole number of endpoints is malformed. Any version is accepted and
 * version 0 is written, except for a CallMeMaybe that carries NAT flags (ADR 0015), written as version 1. Other
 * types decode to {@link Unknown}.
 *
 * <p>CallMeMaybe version 1 and old peers: the NAT-info entry has the shape of an endpoint, so a version-0 decoder
 * reads it as the endpoint {@code [::]:flags}, which every Warren version skips when pinging (unspecified address,
 * or port 0 when no flag is set). A version-1 decoder takes the last entry as NAT info only when the version is
 * at least 1 and that entry's address is {@code ::}; otherwise every entry is an endpoint and the flags are
 * {@link CallMeMaybe#NAT_UNKNOWN} (the sender predates NAT flags). Addresses decode as {@link Inet4Address} when
 * IPv4-mapped; arrays are used as given (not copied) — treat them as immutable.
 */
public sealed interface DiscoMessage {
    int TYPE_PING = 1;
    int TYPE_PONG = 2;
    int TYPE_CALL_ME_MAYBE = 3;
    int VERSION = 0;

    int OFFSET_TYPE = 0;
    int OFFSET_VERSION = 1;
    int HEADER_SIZE = 2;
    int TXID_SIZE = 12;
    int NODE_KEY_SIZE = 32;
    int ADDRESS_SIZE = 16;
    int ENDPOINT_SIZE = 18;

    /** Writes the payload into {@code out} at its position (setting big-endian order), advancing it. */
    void encodeTo(ByteBuffer out);

    /** The encoded size in bytes. */
    int size();

    default byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size());
        encodeTo(b);
        return b.array();
    }

    /** A probe of a path; {@code padding} zero bytes follow the node key (to probe a path MTU). */
    record Ping(byte[] txid, byte[] senderNodeKey, int padding) implements DiscoMessage {
        public static final int OFFSET_TXID = 2;
        public static final int OFFSET_NODE_KEY = 14;
        public static final int SIZE = 46;

        public Ping {
            requireLength(txid, TXID_SIZE, "txid");
            requireLength(senderNodeKey, NODE_KEY_SIZE, "node key");
            if (padding < 0) {
                throw new IllegalArgumentException("negative padding");
            }
        }

        public Ping(byte[] txid, byte[] senderNodeKey) {
            this(txid, senderNodeKey, 0);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            out.put((byte) TYPE_PING).put((byte) VERSION).put(txid).put(senderNodeKey);
            for (int i = 0; i < padding; i++) {
                out.put((byte) 0);
            }
        }

        @Override
        public int size() {
            return SIZE + padding;
        }
    }

    /** The answer to a Ping: its transaction id and the source address the Ping arrived from. */
    record Pong(byte[] txid, InetSocketAddress source) implements DiscoMessage {
        public static final int OFFSET_TXID = 2;
        public static final int OFFSET_ADDRESS = 14;
        public static final int OFFSET_PORT = 30;
        public static final int SIZE = 32;

        public Pong {
            requireLength(txid, TXID_SIZE, "txid");
            requireResolved(source);
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            out.put((byte) TYPE_PONG).put((byte) VERSION).put(txid);
            putEndpoint(out, source);
        }

        @Override
        public int size() {
            return SIZE;
        }
    }

    /**
     * The sender's candidate endpoints; the receiver should ping each of them. {@code natFlags} says what the
     * sender's netcheck learned about its NAT ({@link #NAT_HARD}, {@link #NAT_EASY}, or 0 when it does not know),
     * or is {@link #NAT_UNKNOWN} for a sender that predates NAT flags (version 0, no NAT-info entry).
     */
    record CallMeMaybe(List<InetSocketAddress> endpoints, int natFlags) implements DiscoMessage {
        public static final int OFFSET_ENDPOINTS = 2;
        /** No NAT-info entry: a version-0 call-me-maybe. */
        public static final int NAT_UNKNOWN = -1;
        /** The sender's public mapping varies by destination (endpoint-dependent mapping, a "hard" NAT). */
        public static final int NAT_HARD = 1;
        /** The sender's public mapping is the same for every destination (endpoint-independent: "easy"). */
        public static final int NAT_EASY = 2;

        public CallMeMaybe {
            endpoints = List.copyOf(endpoints);
            endpoints.forEach(DiscoMessage::requireResolved);
            if (natFlags < NAT_UNKNOWN || natFlags > 0xFFFF) {
                throw new IllegalArgumentException("call-me-maybe NAT flags " + natFlags + " outside -1..65535");
            }
        }

        /** A version-0 call-me-maybe (no NAT information). */
        public CallMeMaybe(List<InetSocketAddress> endpoints) {
            this(endpoints, NAT_UNKNOWN);
        }

        /** Whether the sender said its mapping varies by destination. */
        public boolean hard() {
            return natFlags != NAT_UNKNOWN && (natFlags & NAT_HARD) != 0;
        }

        /** Whether the sender said its mapping is endpoint-independent. */
        public boolean easy() {
            return natFlags != NAT_UNKNOWN && (natFlags & NAT_EASY) != 0;
        }

        @Override
        public void encodeTo(ByteBuffer out) {
            out.put((byte) TYPE_CALL_ME_MAYBE).put((byte) (natFlags == NAT_UNKNOWN ? VERSION : 1));
            for (InetSocketAddress e : endpoints) {
                putEndpoint(out, e);
            }
            if (natFlags != NAT_UNKNOWN) {
                out.order(ByteOrder.BIG_ENDIAN).put(new byte[ADDRESS_SIZE]).putShort((short) natFlags);
            }
        }

        @Override
        public int size() {
            return HEADER_SIZE + ENDPOINT_SIZE * (endpoints.size() + (natFlags == NAT_UNKNOWN ? 0 : 1));
        }
    }

    /** A payload of a type this version does not know; kept whole (header included) for diagnostics. */
    record Unknown(int type, int version, byte[] bytes) implements DiscoMessage {
        @Override
        public void encodeTo(ByteBuffer out) {
            out.put(bytes);
        }

        @Override
        public int size() {
            return bytes.length;
        }
    }

    /** Decodes one opened payload from {@code in}'s remaining bytes without moving its position. */
    static DiscoMessage decode(ByteBuffer in) throws MalformedMessageException {
        ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
        int len = b.remaining();
        if (len < HEADER_SIZE) {
            throw new MalformedMessageException("disco payload of " + len + " bytes is shorter than its header");
        }
        int type = b.get(OFFSET_TYPE) & 0xFF;
        int version = b.get(OFFSET_VERSION) & 0xFF;
        return switch (type) {
            case TYPE_PING -> {
                requireAtLeast(len, Ping.SIZE, "ping");
                byte[] txid = new byte[TXID_SIZE];
                byte[] key = new byte[NODE_KEY_SIZE];
                b.get(Ping.OFFSET_TXID, txid).get(Ping.OFFSET_NODE_KEY, key);
                yield new Ping(txid, key, len - Ping.SIZE);
            }
            case TYPE_PONG -> {
                requireAtLeast(len, Pong.SIZE, "pong");
                byte[] txid = new byte[TXID_SIZE];
                b.get(Pong.OFFSET_TXID, txid);
                yield new Pong(txid, endpointAt(b, Pong.OFFSET_ADDRESS));
            }
            case TYPE_CALL_ME_MAYBE -> {
                int body = len - HEADER_SIZE;
                if (body % ENDPOINT_SIZE != 0) {
                    throw new MalformedMessageException("call-me-maybe body of " + body
                            + " bytes is not a whole number of " + ENDPOINT_SIZE + "-byte endpoints");
                }
                int end = len;
                int flags = CallMeMaybe.NAT_UNKNOWN;
                if (version >= 1 && body > 0 && allZero(b, len - ENDPOINT_SIZE, ADDRESS_SIZE)) {
                    end = len - ENDPOINT_SIZE;
                    flags = b.getShort(end + ADDRESS_SIZE) & 0xFFFF;
                }
                List<InetSocketAddress> eps = new ArrayList<>(body / ENDPOINT_SIZE);
                for (int at = CallMeMaybe.OFFSET_ENDPOINTS; at < end; at += ENDPOINT_SIZE) {
                    eps.add(endpointAt(b, at));
                }
                yield new CallMeMaybe(eps, flags);
            }
            default -> {
                byte[] all = new byte[len];
                b.get(0, all);
                yield new Unknown(type, version, all);
            }
        };
    }

    private static boolean allZero(ByteBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) {
            if (b.get(at + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads a 16-byte address and a u16 port at {@code at}; IPv4-mapped addresses become {@link Inet4Address}. */
    private static InetSocketAddress endpointAt(ByteBuffer b, int at) {
        byte[] ip = new byte[ADDRESS_SIZE];
        b.get(at, ip);
        int port = b.getShort(at + ADDRESS_SIZE) & 0xFFFF;
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError("16-byte address refused", e);
        }
    }

    /** Writes an endpoint as 16 address bytes (IPv4 as ::ffff:a.b.c.d) and a big-endian u16 port. */
    private static void putEndpoint(ByteBuffer out, InetSocketAddress e) {
        byte[] ip = e.getAddress().getAddress();
        if (ip.length == 4) {
            byte[] mapped = new byte[ADDRESS_SIZE];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(ip, 0, mapped, 12, 4);
            ip = mapped;
        }
        out.order(ByteOrder.BIG_ENDIAN).put(ip).putShort((short) e.getPort());
    }

    private static void requireAtLeast(int len, int size, String what) throws MalformedMessageException {
        if (len < size) {
            throw new MalformedMessageException("disco " + what + " of " + len + " bytes is shorter than " + size);
        }
    }

    private static void requireLength(byte[] b, int n, String what) {
        if (b == null || b.length != n) {
            throw new IllegalArgumentException("disco " + what + " must be " + n + " bytes");
        }
    }

    private static void requireResolved(InetSocketAddress a) {
        if (a == null || a.isUnresolved()) {
            throw new IllegalArgumentException("disco endpoint " + a + " is missing or unresolved");
        }
    }

    /** Equality helper for tests: records over arrays compare by identity, this compares encodings. */
    static boolean sameEncoding(DiscoMessage a, DiscoMessage b) {
        return Arrays.equals(a.encode(), b.encode());
    }
}
