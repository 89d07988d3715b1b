package dev.warren.wireguard;

import dev.warren.testing.Packets;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** IPv4 ICMP echo packets for transcripts: building requests and replies and taking them apart. */
final class IcmpPackets {
    static final int ECHO_REPLY = 0;
    static final int ECHO_REQUEST = 8;
    private static final int IP_HEADER = 20;

    private IcmpPackets() {
    }

    /** A parsed IPv4 ICMP echo message. */
    record Echo(byte[] src, byte[] dst, int type, int id, int seq, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Echo e && Arrays.equals(src, e.src) && Arrays.equals(dst, e.dst) && type == e.type
                    && id == e.id && seq == e.seq && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload) * 31 + seq;
        }

        @Override
        public String toString() {
            return "Echo(type " + type + ", id " + id + ", seq " + seq + ", " + payload.length + " bytes)";
        }
    }

    /** An IPv4 ICMP echo message with valid IP and ICMP checksums, DF set, TTL 64. */
    static byte[] echo(int type, byte[] src, byte[] dst, int ipId, int id, int seq, byte[] payload) {
        int total = IP_HEADER + 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) ipId).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 1).putShort((short) 0).put(src).put(dst);
        b.putShort(10, (short) Packets.checksum(b.array(), 0, IP_HEADER, 0));
        b.position(IP_HEADER);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        b.putShort(IP_HEADER + 2, (short) Packets.checksum(b.array(), IP_HEADER, 8 + payload.length, 0));
        return b.array();
    }

    /** The reply a host sends to {@code request}: addresses swapped, type 0, same id, sequence and payload. */
    static byte[] replyTo(byte[] request, int ipId) {
        Echo e = parse(request);
        if (e == null || e.type != ECHO_REQUEST) {
            throw new IllegalArgumentException("not an ICMP echo request");
        }
        return echo(ECHO_REPLY, e.dst, e.src, ipId, e.id, e.seq, e.payload);
    }

    /**
     * Parses an IPv4 ICMP echo message, ignoring bytes after the IP total length (transport padding); null when
     * {@code packet} is not one or a checksum is wrong.
     */
    static Echo parse(byte[] packet) {
        if (packet.length < IP_HEADER + 8 || (packet[0] & 0xff) != 0x45 || packet[9] != 1) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(packet);
        int total = b.getShort(2) & 0xffff;
        if (total < IP_HEADER + 8 || total > packet.length
                || Packets.checksum(packet, 0, IP_HEADER, 0) != 0
                || Packets.checksum(packet, IP_HEADER, total - IP_HEADER, 0) != 0) {
            return null;
        }
        int type = packet[IP_HEADER] & 0xff;
        if (type != ECHO_REQUEST && type != ECHO_REPLY) {
            return null;
        }
        return new Echo(Arrays.copyOfRange(packet, 12, 16), Arrays.copyOfRange(packet, 16, 20), type,
                b.getShort(IP_HEADER + 4) & 0xffff, b.getShort(IP_HEADER + 6) & 0xffff,
                Arrays.copyOfRange(packet, IP_HEADER + 8, total));
    }

    /** The packet trimmed to its IPv4 total length (drops the transport padding). */
    static byte[] trim(byte[] packet) {
        if (packet.length < IP_HEADER) {
            return packet;
        }
        int total = ByteBuffer.wrap(packet).getShort(2) & 0xffff;
        return total <= packet.length ? Arrays.copyOf(packet, total) : packet;
    }
}
