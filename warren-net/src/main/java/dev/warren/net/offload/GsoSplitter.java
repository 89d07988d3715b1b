package dev.warren.net.offload;

import java.lang.foreign.MemorySegment;

import static dev.warren.net.offload.Bytes.put16;
import static dev.warren.net.offload.Bytes.put32;
import static dev.warren.net.offload.Bytes.put8;
import static dev.warren.net.offload.Bytes.u16;
import static dev.warren.net.offload.Bytes.u8;

/**
 * Splits what a TUN device with {@code IFF_VNET_HDR} hands us into plain IP packets — the userspace half of
 * TSO/USO. A read yields one packet plus a {@link VirtioNetHdr}; it is one of:
 *
 * <ol>
 *   <li>a plain packet ({@code GSO_NONE}), possibly with {@code F_NEEDS_CSUM}: the transport checksum field
 *       then holds only the pseudo-header sum, and the checksum over {@code [csum_start, end)} must be
 *       completed;</li>
 *   <li>a TCP super-packet ({@code GSO_TCPV4}/{@code GSO_TCPV6}): one IP+TCP header and up to 64 KiB of
 *       payload, cut into {@code gso_size} pieces. Each segment gets its own IP total length (IPv4) or payload
 *       length (IPv6), an incremented IPv4 id and a fresh IPv4 header checksum, sequence number
 *       {@code seq + i*gso_size}, FIN/PSH only on the last segment, CWR only on the first, and a full TCP
 *       checksum;</li>
 *   <li>a UDP super-packet ({@code GSO_UDP_L4}, "USO"): the same with per-segment UDP length and checksum.</li>
 * </ol>
 *
 * <p>Usage: {@link #plan} validates and returns the number of segments (or {@link #MALFORMED}: the packet is
 * dropped, nothing is thrown for any input); {@link #writeSegment} then writes segment {@code i} anywhere, so a
 * caller with fewer free buffers than segments can continue later (the source is never modified).
 * IPv6 extension headers are tolerated: the transport header is taken at {@code csum_start}.
 *
 * <p>Not thread-safe: one instance per reading thread; allocation-free.
 */
public final class GsoSplitter {
    /** {@link #plan} result for input that is not a packet we can split; the caller drops it. */
    public static final int MALFORMED = -1;

    static final int TCP_FIN = 0x01;
    static final int TCP_PSH = 0x08;
    static final int TCP_ACK = 0x10;
    static final int TCP_CWR = 0x80;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;

    private static final int KIND_COPY = 0;
    private static final int KIND_TCP = 1;
    private static final int KIND_UDP = 2;

    // The current plan; valid after plan() returned >= 1.
    private int kind;
    private boolean v6;
    private int length;     // bytes of the (trimmed) IP packet
    private int ipHdrLen;   // IPv4 IHL*4 (IPv6: 40)
    private int l4Off;      // transport header offset
    private int hdrLen;     // IP + transport header
    private int gsoSize;
    private int payloadLen;
    private int segments;
    private boolean completeCsum;
    private int csumStart;
    private int csumOffset;
    private int tcpFlags;

    /** Plans from a 10-byte virtio header at {@code hdr[hdrOff]} and the packet at {@code pkt[off, off+len)}. */
    public int plan(MemorySegment hdr, long hdrOff, MemorySegment pkt, long off, int len) {
        return plan(VirtioNetHdr.flags(hdr, hdrOff), VirtioNetHdr.gsoType(hdr, hdrOff),
                VirtioNetHdr.gsoSize(hdr, hdrOff), VirtioNetHdr.csumStart(hdr, hdrOff),
                VirtioNetHdr.csumOffset(hdr, hdrOff), pkt, off, len);
    }

    /**
     * Validates the packet against its virtio header fields and prepares the split.
     *
     * @return the number of segments (at least 1), or {@link #MALFORMED}
     */
    public int plan(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset,
                    MemorySegment pkt, long off, int len) {
        segments = 0;
        if (len <= 0 || len > pkt.byteSize() - off) {
            return MALFORMED;
        }
        boolean needsCsum = (flags & VirtioNetHdr.F_NEEDS_CSUM) != 0;
        int type = gsoType & ~VirtioNetHdr.GSO_ECN;
        if (type == VirtioNetHdr.GSO_NONE) {
            if (needsCsum && (csumStart >= len || (long) csumStart + csumOffset + 2 > len)) {
                return MALFORMED;
            }
            this.kind = KIND_COPY;
            this.length = len;
            this.completeCsum = needsCsum;
            this.csumStart = csumStart;
            this.csumOffset = csumOffset;
            this.segments = 1;
            return 1;
        }
        int proto;
        if (type == VirtioNetHdr.GSO_TCPV4 || type == VirtioNetHdr.GSO_TCPV6) {
            proto = PROTO_TCP;
        } else if (type == VirtioNetHdr.GSO_UDP_L4) {
            proto = PROTO_UDP;
        } else {
            return MALFORMED; // GSO_UDP (UFO) is never negotiated; anything else is unknown
        }
        if (len < 20) {
            return MALFORMED;
        }
        int version = u8(pkt, off) >>> 4;
        int total;
        int l4;
        if (version == 4) {
            if (type == VirtioNetHdr.GSO_TCPV6) {
                return MALFORMED;
            }
            int ihl = (u8(pkt, off) & 0x0f) * 4;
            total = u16(pkt, off + 2);
            if (ihl < 20 || total < ihl || total > len || (u16(pkt, off + 6) & 0x3fff) != 0
                    || u8(pkt, off + 9) != proto) {
                return MALFORMED;
            }
            l4 = needsCsum ? csumStart : ihl;
            if (l4 != ihl) {
                return MALFORMED;
            }
            this.ipHdrLen = ihl;
            this.v6 = false;
        } else if (version == 6) {
            if (type == VirtioNetHdr.GSO_TCPV4 || len < 40) {
                return MALFORMED;
            }
            total = 40 + u16(pkt, off + 4);
            if (total > len) {
                return MALFORMED;
            }
            l4 = needsCsum ? csumStart : 40;
            if (l4 < 40 || (l4 == 40 && u8(pkt, off + 6) != proto)) {
                return MALFORMED;
            }
            this.ipHdrLen = 40;
            this.v6 = true;
        } else {
            return MALFORMED;
        }
        int expectedCsumOffset = proto == PROTO_TCP ? VirtioNetHdr.TCP_CSUM_OFFSET : VirtioNetHdr.UDP_CSUM_OFFSET;
        if (needsCsum && csumOffset != expectedCsumOffset) {
            return MALFORMED;
        }
        int l4HdrLen;
        if (proto == PROTO_TCP) {
            if (l4 + 20 > total) {
                return MALFORMED;
            }
            l4HdrLen = (u8(pkt, off + l4 + 12) >>> 4) * 4;
            if (l4HdrLen < 20 || l4 + l4HdrLen > total) {
                return MALFORMED;
            }
            this.tcpFlags = u8(pkt, off + l4 + 13);
        } else {
            if (l4 + 8 > total) {
                return MALFORMED;
            }
            l4HdrLen = 8;
        }
        if (gsoSize <= 0) {
            return MALFORMED;
        }
        this.kind = proto == PROTO_TCP ? KIND_TCP : KIND_UDP;
        this.length = total;
        this.l4Off = l4;
        this.hdrLen = l4 + l4HdrLen;
        this.gsoSize = gsoSize;
        this.payloadLen = total - hdrLen;
        this.segments = payloadLen == 0 ? 1 : (payloadLen + gsoSize - 1) / gsoSize;
        return segments;
    }

    /** Segments in the current plan (0 when none). */
    public int segments() {
        return segments;
    }

    /** True when the current plan is a GSO super-packet (not a single packet). */
    public boolean isGso() {
        return segments > 0 && kind != KIND_COPY;
    }

    /** Length of segment {@code i} of the current plan. */
    public int segmentLength(int i) {
        if (kind == KIND_COPY) {
            return length;
        }
        return hdrLen + Math.min(gsoSize, payloadLen - i * gsoSize);
    }

    /**
     * Writes segment {@code i} of the planned packet at {@code pkt[off]} into {@code dst[dstOff]}, which must have
     * room for {@link #segmentLength(int)} bytes, and returns its length.
     */
    public int writeSegment(MemorySegment pkt, long off, int i, MemorySegment dst, long dstOff) {
        if (i < 0 || i >= segments) {
            throw new IndexOutOfBoundsException("segment " + i + " of " + segments);
        }
        if (kind == KIND_COPY) {
            MemorySegment.copy(pkt, off, dst, dstOff, length);
            if (completeCsum) {
                long field = dstOff + csumStart + csumOffset;
                int c = Checksum.finish(Checksum.add(dst, dstOff + csumStart, length - csumStart, 0));
                put16(dst, field, c == 0 ? 0xffff : c);
            }
            return length;
        }
        int segPayload = payloadLen == 0 ? 0 : Math.min(gsoSize, payloadLen - i * gsoSize);
        int segLen = hdrLen + segPayload;
        MemorySegment.copy(pkt, off, dst, dstOff, hdrLen);
        MemorySegment.copy(pkt, off + hdrLen + (long) i * gsoSize, dst, dstOff + hdrLen, segPayload);
        if (v6) {
            put16(dst, dstOff + 4, segLen - 40);
        } else {
            put16(dst, dstOff + 2, segLen);
            put16(dst, dstOff + 4, u16(pkt, off + 4) + i);
            put16(dst, dstOff + 10, 0);
            put16(dst, dstOff + 10, Checksum.finish(Checksum.add(dst, dstOff, ipHdrLen, 0)));
        }
        long l4 = dstOff + l4Off;
        int l4Len = segLen - l4Off;
        if (kind == KIND_TCP) {
            put32(dst, l4 + 4, Bytes.i32(pkt, off + l4Off + 4) + i * gsoSize);
            int f = tcpFlags;
            if (i != segments - 1) {
                f &= ~(TCP_FIN | TCP_PSH);
            }
            if (i != 0) {
                f &= ~TCP_CWR;
            }
            put8(dst, l4 + 13, f);
            put16(dst, l4 + 16, 0);
            long sum = Checksum.pseudoHeader(dst, dstOff, v6, PROTO_TCP, l4Len);
            put16(dst, l4 + 16, Checksum.finish(Checksum.add(dst, l4, l4Len, sum)));
        } else {
            put16(dst, l4 + 4, l4Len);
            put16(dst, l4 + 6, 0);
            long sum = Checksum.pseudoHeader(dst, dstOff, v6, PROTO_UDP, l4Len);
            int c = Checksum.finish(Checksum.add(dst, l4, l4Len, sum));
            put16(dst, l4 + 6, c == 0 ? 0xffff : c);
        }
        return segLen;
    }
}
