package dev.warren.wire.relay;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.PublicKey;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One frame of the Warren relay protocol, spoken over a TCP (optionally TLS) stream after the HTTP upgrade
 * {@code GET /relay} / {@code Upgrade: warren-relay}. All integers are big-endian.
 *
 * <pre>
 * frame, 5 + n bytes
 *   0  u8   type (table below)
 *   1  u32  n = payload length, not counting these 5 bytes; at most {@link #maxPayload(int)} for the type
 *   5  [n]  payload
 *
 * type  name           direction        payload
 * 0x01  ServerKey      relay → client   magic[8] "WARRELAY" ‖ relay public key[32]
 * 0x02  ClientInfo     client → relay   client public key[32] ‖ nonce[24] ‖ box(JSON {@link RelayInfo.Client})
 * 0x03  ServerInfo     relay → client   nonce[24] ‖ box(JSON {@link RelayInfo.Server})
 * 0x04  SendPacket     client → relay   destination key[32] ‖ packet[0..65536]
 * 0x05  RecvPacket     relay → client   source key[32] ‖ packet[0..65536]
 * 0x06  KeepAlive      relay → client   empty
 * 0x07  NotePreferred  client → relay   u8: 1 = this relay is my home, 0 = it is not (other values refused)
 * 0x08  PeerGone       relay → client   peer key[32] ‖ reason u8 (0 = disconnected, 1 = not here)
 * 0x09  PeerPresent    relay → mesh     peer key[32] ‖ flags u8 (0x01 = a regular client)
 * 0x0a  ForwardPacket  mesh → relay     source key[32] ‖ destination key[32] ‖ packet[0..65536]
 * 0x10  WatchConns     mesh → relay     empty
 * 0x11  ClosePeer      mesh → relay     peer key[32]
 * 0x12  Ping           either way       data[8]
 * 0x13  Pong           either way       data[8] (the Ping's data)
 * 0x14  Health         relay → client   UTF-8 text, at most 1024 bytes; empty = healthy again
 * </pre>
 *
 * The box in ClientInfo is sealed by the client's private key to the relay's public key (and ServerInfo's by the
 * relay to the client's): opening it with the key the frame claims proves possession of that key's private half.
 * Limits: packet-carrying frames may hold {@link #MAX_PACKET_SIZE} packet bytes after their keys; ClientInfo and
 * ServerInfo at most {@link #MAX_INFO_SIZE} bytes; every other known frame at most {@link #MAX_CONTROL_SIZE}; a
 * frame of an unknown type at most {@link #MAX_PAYLOAD} — it decodes as {@link Unknown} and receivers skip it
 * (forward compatibility). Fixed-size payloads may carry trailing bytes, which are ignored (and not re-encoded);
 * a payload shorter than its fields is refused. Decoding throws nothing but {@link MalformedMessageException},
 * whose message names the frame and the problem. Arrays are used as given (not copied); treat them as immutable.
 */
public sealed interface RelayFrame {
    int HEADER_SIZE = 5;
    int OFFSET_TYPE = 0;
    int OFFSET_LENGTH = 1;
    int OFFSET_PAYLOAD = 5;
    int KEY_SIZE = 32;
    int NONCE_SIZE = 24;
    /** The Poly1305 tag every sealed box carries: the shortest possible box. */
    int BOX_OVERHEAD = 16;
    int MAGIC_SIZE = 8;
    int PING_SIZE = 8;
    /** Largest packet a SendPacket, RecvPacket or ForwardPacket carries. */
    int MAX_PACKET_SIZE = 64 << 10;
    /** Largest ClientInfo or ServerInfo payload. */
    int MAX_INFO_SIZE = 4096;
    /** Largest payload of any other known frame (Health text, Ping data with trailing bytes, ...). */
    int MAX_CONTROL_SIZE = 1024;
    /** Largest payload of any frame, known or not: a ForwardPacket's two keys and a full packet. */
    int MAX_PAYLOAD = 2 * KEY_SIZE + MAX_PACKET_SIZE;

    int TYPE_SERVER_KEY = 0x01;
    int TYPE_CLIENT_INFO = 0x02;
    int TYPE_SERVER_INFO = 0x03;
    int TYPE_SEND_PACKET = 0x04;
    int TYPE_RECV_PACKET = 0x05;
    int TYPE_KEEP_ALIVE = 0x06;
    int TYPE_NOTE_PREFERRED = 0x07;
    int TYPE_PEER_GONE = 0x08;
    int TYPE_PEER_PRESENT = 0x09;
    int TYPE_FORWARD_PACKET = 0x0a;
    int TYPE_WATCH_CONNS = 0x10;
    int TYPE_CLOSE_PEER = 0x11;
    int TYPE_PING = 0x12;
    int TYPE_PONG = 0x13;
    int TYPE_HEALTH = 0x14;

    int PEER_GONE_DISCONNECTED = 0;
    int PEER_GONE_NOT_HERE = 1;
    int PEER_PRESENT_REGULAR = 0x01;

    /** The frame's type byte. */
    int type();

    /** The payload size in bytes (the frame is {@link #HEADER_SIZE} longer). */
    int payloadSize();

    /** Writes the payload (not the header) into {@code out} at its position, advancing it. */
    void encodePayloadTo(ByteBuffer out);

    /** Writes the whole frame, header and payload, into {@code out} at its position, advancing it. */
    default void encodeTo(ByteBuffer out) {
        out.put((byte) type()).putInt(payloadSize());
        encodePayloadTo(out);
    }

    /** The whole frame as a new array. */
    default byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payloadSize());
        encodeTo(b);
        return b.array();
    }

    /** The magic ServerKey starts with (a copy). */
    static byte[] magic() {
        return ServerKey.MAGIC.clone();
    }

    /** The largest payload a frame of {@code type} may carry; anything longer is a protocol error. */
    static int maxPayload(int type) {
        return switch (type) {
            case TYPE_SEND_PACKET, TYPE_RECV_PACKET -> KEY_SIZE + MAX_PACKET_SIZE;
            case TYPE_FORWARD_PACKET -> MAX_PAYLOAD;
            case TYPE_CLIENT_INFO, TYPE_SERVER_INFO -> MAX_INFO_SIZE;
            case TYPE_SERVER_KEY, TYPE_KEEP_ALIVE, TYPE_NOTE_PREFERRED, TYPE_PEER_GONE, TYPE_PEER_PRESENT,
                 TYPE_WATCH_CONNS, TYPE_CLOSE_PEER, TYPE_PING, TYPE_PONG, TYPE_HEALTH -> MAX_CONTROL_SIZE;
            default -> MAX_PAYLOAD;
        };
    }

    /** A short name for a type byte, for logs and error messages ("SendPacket", "type 0x7f"). */
    static String typeName(int type) {
        return switch (type) {
            case TYPE_SERVER_KEY -> "ServerKey";
            case TYPE_CLIENT_INFO -> "ClientInfo";
            case TYPE_SERVER_INFO -> "ServerInfo";
            case TYPE_SEND_PACKET -> "SendPacket";
            case TYPE_RECV_PACKET -> "RecvPacket";
            case TYPE_KEEP_ALIVE -> "KeepAlive";
            case TYPE_NOTE_PREFERRED -> "NotePreferred";
            case TYPE_PEER_GONE -> "PeerGone";
            case TYPE_PEER_PRESENT -> "PeerPresent";
            case TYPE_FORWARD_PACKET -> "ForwardPacket";
            case TYPE_WATCH_CONNS -> "WatchConns";
            case TYPE_CLOSE_PEER -> "ClosePeer";
            case TYPE_PING -> "Ping";
            case TYPE_PONG -> "Pong";
            case TYPE_HEALTH -> "Health";
            default -> String.format("type 0x%02x", type);
        };
    }

    /**
     * Checks a frame header read from a stream before its payload is read: the stated length must be at most
     * {@link #maxPayload(int)} for the type (a reader never allocates more than that).
     */
    static void checkHeader(int type, long length) throws MalformedMessageException {
        if (length < 0 || length > maxPayload(type)) {
            throw new MalformedMessageException(typeName(type) + " frame of " + length
                    + " bytes is longer than its limit of " + maxPayload(type));
        }
    }

    /**
     * Decodes one whole frame (header and payload) at {@code in}'s position. On success the position moves past the
     * frame; on failure it does not move. Bytes after the frame are left for the next call.
     */
    static RelayFrame decodeFrame(ByteBuffer in) throws MalformedMessageException {
        int p = in.position();
        if (in.remaining() < HEADER_SIZE) {
            throw new MalformedMessageException("relay frame of " + in.remaining() + " bytes is shorter than its "
                    + HEADER_SIZE + "-byte header");
        }
        int type = in.get(p) & 0xFF;
        long length = Integer.toUnsignedLong(in.getInt(p + OFFSET_LENGTH));
        checkHeader(type, length);
        if (length > in.remaining() - HEADER_SIZE) {
            throw new MalformedMessageException(typeName(type) + " frame states " + length + " payload bytes but "
                    + (in.remaining() - HEADER_SIZE) + " follow");
        }
        RelayFrame f = decode(type, in.slice(p + HEADER_SIZE, (int) length));
        in.position(p + HEADER_SIZE + (int) length);
        return f;
    }

    /** Decodes the payload of a frame of {@code type}: all of {@code payload}'s remaining bytes (not moved). */
    static RelayFrame decode(int type, ByteBuffer payload) throws MalformedMessageException {
        ByteBuffer b = payload.slice();
        int n = b.remaining();
        checkHeader(type, n);
        return switch (type) {
            case TYPE_SERVER_KEY -> {
                need(type, n, MAGIC_SIZE + KEY_SIZE);
                byte[] magic = new byte[MAGIC_SIZE];
                b.get(0, magic);
                if (!Arrays.equals(magic, ServerKey.MAGIC)) {
                    throw new MalformedMessageException("ServerKey frame without the \"WARRELAY\" magic");
                }
                yield new ServerKey(key(b, MAGIC_SIZE));
            }
            case TYPE_CLIENT_INFO -> {
                need(type, n, KEY_SIZE + NONCE_SIZE + BOX_OVERHEAD);
                yield new ClientInfo(key(b, 0), bytes(b, KEY_SIZE, NONCE_SIZE),
                        bytes(b, KEY_SIZE + NONCE_SIZE, n - KEY_SIZE - NONCE_SIZE));
            }
            case TYPE_SERVER_INFO -> {
                need(type, n, NONCE_SIZE + BOX_OVERHEAD);
                yield new ServerInfo(bytes(b, 0, NONCE_SIZE), bytes(b, NONCE_SIZE, n - NONCE_SIZE));
            }
            case TYPE_SEND_PACKET -> {
                need(type, n, KEY_SIZE);
                yield new SendPacket(key(b, 0), bytes(b, KEY_SIZE, n - KEY_SIZE));
            }
            case TYPE_RECV_PACKET -> {
                need(type, n, KEY_SIZE);
                yield new RecvPacket(key(b, 0), bytes(b, KEY_SIZE, n - KEY_SIZE));
            }
            case TYPE_KEEP_ALIVE -> new KeepAlive();
            case TYPE_NOTE_PREFERRED -> {
                need(type, n, 1);
                int v = b.get(0) & 0xFF;
                if (v > 1) {
                    throw new MalformedMessageException("NotePreferred value " + v + " is neither 0 nor 1");
                }
                yield new NotePreferred(v == 1);
            }
            case TYPE_PEER_GONE -> {
                need(type, n, KEY_SIZE + 1);
                yield new PeerGone(key(b, 0), b.get(KEY_SIZE) & 0xFF);
            }
            case TYPE_PEER_PRESENT -> {
                need(type, n, KEY_SIZE + 1);
                yield new PeerPresent(key(b, 0), b.get(KEY_SIZE) & 0xFF);
            }
            case TYPE_FORWARD_PACKET -> {
                need(type, n, 2 * KEY_SIZE);
                yield new ForwardPacket(key(b, 0), key(b, KEY_SIZE), bytes(b, 2 * KEY_SIZE, n - 2 * KEY_SIZE));
            }
            case TYPE_WATCH_CONNS -> new WatchConns();
            case TYPE_CLOSE_PEER -> {
                need(type, n, KEY_SIZE);
                yield new ClosePeer(key(b, 0));
            }
            case TYPE_PING -> {
                need(type, n, PING_SIZE);
                yield new Ping(bytes(b, 0, PING_SIZE));
            }
            case TYPE_PONG -> {
                need(type, n, PING_SIZE);
                yield new Pong(bytes(b, 0, PING_SIZE));
            }
            case TYPE_HEALTH -> {
                try {
                    CharBuffer text = StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(b.duplicate());
                    yield new Health(text.toString());
                } catch (CharacterCodingException e) {
                    throw new MalformedMessageException("Health frame text is not valid UTF-8");
                }
            }
            default -> new Unknown(type, bytes(b, 0, n));
        };
    }

    private static void need(int type, int n, int min) throws MalformedMessageException {
        if (n < min) {
            throw new MalformedMessageException(typeName(type) + " frame of " + n + " payload bytes is shorter than "
                    + min);
        }
    }

    private static PublicKey key(ByteBuffer b, int off) {
        return PublicKey.of(bytes(b, off, KEY_SIZE));
    }

    private static byte[] bytes(ByteBuffer b, int off, int len) {
        byte[] a = new byte[len];
        b.get(off, a);
        return a;
    }

    private static void requireLength(byte[] a, int len, String what) {
        if (a == null || a.length != len) {
            throw new IllegalArgumentException(what + " must be " + len + " bytes, got "
                    + (a == null ? "null" : a.length));
        }
    }

    private static void requireMax(byte[] a, int max, String what) {
        if (a == null || a.length > max) {
            throw new IllegalArgumentException(what + " must be at most " + max + " bytes, got "
                    + (a == null ? "null" : a.length));
        }
    }

    private static void requireKey(PublicKey k, String what) {
        if (k == null) {
            throw new IllegalArgumentException(what + " is null");
        }
    }

    /** 0x01: the relay's public key, sent first on every connection. */
    record ServerKey(PublicKey serverKey) implements RelayFrame {
        static final byte[] MAGIC = {'W', 'A', 'R', 'R', 'E', 'L', 'A', 'Y'};

        public ServerKey {
            requireKey(serverKey, "server key");
        }

        public int type() {
            return TYPE_SERVER_KEY;
        }

        public int payloadSize() {
            return MAGIC_SIZE + KEY_SIZE;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(MAGIC).put(serverKey.toBytes());
        }
    }

    /** 0x02: the client's key and a box sealed with it to the relay's key (the proof of possession). */
    record ClientInfo(PublicKey clientKey, byte[] nonce, byte[] sealed) implements RelayFrame {
        public ClientInfo {
            requireKey(clientKey, "client key");
            requireLength(nonce, NONCE_SIZE, "nonce");
            requireMax(sealed, MAX_INFO_SIZE - KEY_SIZE - NONCE_SIZE, "sealed client info");
            if (sealed.length < BOX_OVERHEAD) {
                throw new IllegalArgumentException("sealed client info is shorter than a box tag");
            }
        }

        public int type() {
            return TYPE_CLIENT_INFO;
        }

        public int payloadSize() {
            return KEY_SIZE + NONCE_SIZE + sealed.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(clientKey.toBytes()).put(nonce).put(sealed);
        }
    }

    /** 0x03: the relay's parameters, sealed by the relay's key to the client's key. */
    record ServerInfo(byte[] nonce, byte[] sealed) implements RelayFrame {
        public ServerInfo {
            requireLength(nonce, NONCE_SIZE, "nonce");
            requireMax(sealed, MAX_INFO_SIZE - NONCE_SIZE, "sealed server info");
            if (sealed.length < BOX_OVERHEAD) {
                throw new IllegalArgumentException("sealed server info is shorter than a box tag");
            }
        }

        public int type() {
            return TYPE_SERVER_INFO;
        }

        public int payloadSize() {
            return NONCE_SIZE + sealed.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(nonce).put(sealed);
        }
    }

    /** 0x04: a packet for the client with key {@code destination}. */
    record SendPacket(PublicKey destination, byte[] packet) implements RelayFrame {
        public SendPacket {
            requireKey(destination, "destination");
            requireMax(packet, MAX_PACKET_SIZE, "packet");
        }

        public int type() {
            return TYPE_SEND_PACKET;
        }

        public int payloadSize() {
            return KEY_SIZE + packet.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(destination.toBytes()).put(packet);
        }
    }

    /** 0x05: a packet from the client with key {@code source}. */
    record RecvPacket(PublicKey source, byte[] packet) implements RelayFrame {
        public RecvPacket {
            requireKey(source, "source");
            requireMax(packet, MAX_PACKET_SIZE, "packet");
        }

        public int type() {
            return TYPE_RECV_PACKET;
        }

        public int payloadSize() {
            return KEY_SIZE + packet.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(source.toBytes()).put(packet);
        }
    }

    /** 0x06: sent by the relay when idle, so both ends see traffic. */
    record KeepAlive() implements RelayFrame {
        public int type() {
            return TYPE_KEEP_ALIVE;
        }

        public int payloadSize() {
            return 0;
        }

        public void encodePayloadTo(ByteBuffer out) {
        }
    }

    /** 0x07: whether this relay is the client's home (statistics only). */
    record NotePreferred(boolean preferred) implements RelayFrame {
        public int type() {
            return TYPE_NOTE_PREFERRED;
        }

        public int payloadSize() {
            return 1;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put((byte) (preferred ? 1 : 0));
        }
    }

    /** 0x08: {@code peer} is gone; {@code reason} is {@link #PEER_GONE_DISCONNECTED} or {@link #PEER_GONE_NOT_HERE}. */
    record PeerGone(PublicKey peer, int reason) implements RelayFrame {
        public PeerGone {
            requireKey(peer, "peer");
            if (reason < 0 || reason > 255) {
                throw new IllegalArgumentException("reason " + reason + " is not a byte");
            }
        }

        public int type() {
            return TYPE_PEER_GONE;
        }

        public int payloadSize() {
            return KEY_SIZE + 1;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(peer.toBytes()).put((byte) reason);
        }
    }

    /** 0x09: to a mesh watcher: {@code peer} is connected to this relay. */
    record PeerPresent(PublicKey peer, int flags) implements RelayFrame {
        public PeerPresent {
            requireKey(peer, "peer");
            if (flags < 0 || flags > 255) {
                throw new IllegalArgumentException("flags " + flags + " are not a byte");
            }
        }

        public int type() {
            return TYPE_PEER_PRESENT;
        }

        public int payloadSize() {
            return KEY_SIZE + 1;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(peer.toBytes()).put((byte) flags);
        }
    }

    /** 0x0a: from a mesh peer: deliver {@code packet} from {@code source} to the local client {@code destination}. */
    record ForwardPacket(PublicKey source, PublicKey destination, byte[] packet) implements RelayFrame {
        public ForwardPacket {
            requireKey(source, "source");
            requireKey(destination, "destination");
            requireMax(packet, MAX_PACKET_SIZE, "packet");
        }

        public int type() {
            return TYPE_FORWARD_PACKET;
        }

        public int payloadSize() {
            return 2 * KEY_SIZE + packet.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(source.toBytes()).put(destination.toBytes()).put(packet);
        }
    }

    /** 0x10: from a mesh peer: send me PeerPresent for every client now and PeerPresent/PeerGone as they change. */
    record WatchConns() implements RelayFrame {
        public int type() {
            return TYPE_WATCH_CONNS;
        }

        public int payloadSize() {
            return 0;
        }

        public void encodePayloadTo(ByteBuffer out) {
        }
    }

    /** 0x11: from a mesh peer: close every connection of {@code peer}. */
    record ClosePeer(PublicKey peer) implements RelayFrame {
        public ClosePeer {
            requireKey(peer, "peer");
        }

        public int type() {
            return TYPE_CLOSE_PEER;
        }

        public int payloadSize() {
            return KEY_SIZE;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(peer.toBytes());
        }
    }

    /** 0x12: asks the other end for a {@link Pong} with the same data. */
    record Ping(byte[] data) implements RelayFrame {
        public Ping {
            requireLength(data, PING_SIZE, "ping data");
        }

        public int type() {
            return TYPE_PING;
        }

        public int payloadSize() {
            return PING_SIZE;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(data);
        }
    }

    /** 0x13: the answer to a {@link Ping}. */
    record Pong(byte[] data) implements RelayFrame {
        public Pong {
            requireLength(data, PING_SIZE, "pong data");
        }

        public int type() {
            return TYPE_PONG;
        }

        public int payloadSize() {
            return PING_SIZE;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(data);
        }
    }

    /** 0x14: a problem the client should show (or, empty, the end of one). */
    record Health(String text) implements RelayFrame {
        public Health {
            if (text == null || text.getBytes(StandardCharsets.UTF_8).length > MAX_CONTROL_SIZE) {
                throw new IllegalArgumentException("health text must be at most " + MAX_CONTROL_SIZE + " bytes");
            }
        }

        public int type() {
            return TYPE_HEALTH;
        }

        public int payloadSize() {
            return text.getBytes(StandardCharsets.UTF_8).length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A frame of a type this version does not know; receivers skip it. */
    record Unknown(int type, byte[] payload) implements RelayFrame {
        public Unknown {
            if (type < 0 || type > 255) {
                throw new IllegalArgumentException("type " + type + " is not a byte");
            }
            requireMax(payload, MAX_PAYLOAD, "payload");
        }

        public int payloadSize() {
            return payload.length;
        }

        public void encodePayloadTo(ByteBuffer out) {
            out.put(payload);
        }
    }
}
