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
 * The three are disjoint: the disco magic starts with 0x57 (neither 1..4 nor top bits 00), and a WireGuard type
 * word 0x0000000N has a zero where STUN needs the cookie. Never throws, whatever the bytes.
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
        if ((b0 & 0xC0) == 0 && len >= StunMessage.HEADER_SIZE && p.getIntBE(off + 4) == StunMessage.MAGIC_COOKIE
                && (p.getShortBE(off + 2) + StunMessage.HEADER_SIZE) == len && p.getShortBE(off + 2) % 4 == 0) {
            return Kind.STUN;
        }
        return Kind.JUNK;
    }
}
