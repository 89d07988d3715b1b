package dev.warren.magicsock;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.stun.StunMessage;

/**
 * Classifies a datagram on the shared socket by its first bytes (FIELD §3.3):
 *
 * <pre>
 * disco      "WDISCO" magic at 0 and at least the 62-byte frame header
 * STUN       top two bits of byte 0 zero, cookie 21 12 A4 42 at 4, length field accounting for the datagram
 * WireGuard  byte 0 in 1..4, bytes 1..3 zero, at least 4 bytes
 * junk       anything else (dropped)
 * </pre>
 *
 * Checked in this order. Disco is disjoint from both others (its magic starts with 0x57: neither 1..4 nor top bits
 * 00). STUN and WireGuard share first bytes (a Binding success is 0x0101, a handshake initiation 0x01000000), so
 * STUN is tested first. A WireGuard message cannot pass the STUN test: its bytes 2–3 (STUN's length field) are
 * zero, so STUN would need the datagram to be exactly 20 bytes, and no WireGuard message is (the smallest, a
 * keepalive, is 32). Never throws, whatever the bytes.
 */
public final class Demux {
    public enum Kind { WIREGUARD, DISCO, STUN, JUNK }

    private static final byte[] MAGIC = DiscoFrame.magic();

    private Demux() {
    }

    public static Kind classify(byte[] b, int off, int len) {
        if (b == null || off < 0 || len < 0 || off > b.length - len) {
            return Kind.JUNK;
        }
        if (DiscoFrame.looksLikeDisco(b, off, len)) {
            return Kind.DISCO;
        }
        if (StunMessage.looksLikeStun(b, off, len)) {
            return Kind.STUN;
        }
        if (len >= 4 && b[off] >= 1 && b[off] <= 4 && b[off + 1] == 0 && b[off + 2] == 0 && b[off + 3] == 0) {
            return Kind.WIREGUARD;
        }
        return Kind.JUNK;
    }

    /** The same over a packet buffer's window, reading only the header bytes it needs (no copy for WireGuard). */
    public static Kind classify(PacketBuffer p) {
        int off = p.offset();
        int len = p.length();
        if (len < 4) {
            return Kind.JUNK;
        }
        int b0 = p.getByte(off);
        // STUN before WireGuard: a Binding success (0x0101) starts with 0x01 like a handshake initiation, but a
        // WireGuard message has zeros where STUN has its second type byte and the cookie.
        if ((b0 & 0xC0) == 0 && len >= StunMessage.HEADER_SIZE && p.getIntBE(off + 4) == StunMessage.MAGIC_COOKIE
                && (p.getShortBE(off + 2) + StunMessage.HEADER_SIZE) == len && p.getShortBE(off + 2) % 4 == 0) {
            return Kind.STUN;
        }
        if (b0 >= 1 && b0 <= 4) {
            return p.getByte(off + 1) == 0 && p.getByte(off + 2) == 0 && p.getByte(off + 3) == 0
                    ? Kind.WIREGUARD : Kind.JUNK;
        }
        if (b0 == MAGIC[0] && len >= DiscoFrame.HEADER_SIZE) {
            for (int i = 1; i < MAGIC.length; i++) {
                if (p.getByte(off + i) != MAGIC[i]) {
                    return Kind.JUNK;
                }
            }
            return Kind.DISCO;
        }
        return Kind.JUNK;
    }
}
