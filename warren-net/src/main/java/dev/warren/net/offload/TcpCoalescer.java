package dev.warren.net.offload;

import dev.warren.wire.datapath.PacketBuffer;

import java.lang.foreign.MemorySegment;

import static dev.warren.net.offload.Bytes.put16;
import static dev.warren.net.offload.Bytes.put8;
import static dev.warren.net.offload.Bytes.u16;
import static dev.warren.net.offload.Bytes.u8;
import static dev.warren.net.offload.GsoSplitter.PROTO_TCP;
import static dev.warren.net.offload.GsoSplitter.TCP_ACK;
import static dev.warren.net.offload.GsoSplitter.TCP_PSH;

/**
 * Groups a batch of IP packets into TCP super-packets for a TUN write — the userspace half of GRO, producing
 * what the kernel accepts with a {@link VirtioNetHdr} ({@code GSO_TCPV4}/{@code GSO_TCPV6},
 * {@code F_NEEDS_CSUM}).
 *
 * <p>Pipeline of {@link #coalesce}: 1. parse each packet (IPv4 without options and not fragmented, or IPv6
 * whose next header is TCP) 2. decide whether it is a <em>candidate</em>: flags exactly ACK or ACK|PSH, a
 * non-empty payload, the IP total/payload length equal to the buffer length, and valid IPv4-header and TCP
 * checksums (a packet with a wrong checksum is written alone, as it is: the kernel would recompute the
 * checksum of a coalesced packet and so "fix" it) 3. append a candidate to the open group of its flow when it
 * continues it, else start a new group 4. any other packet of a flow closes that flow's open group, so a FIN
 * or a bad packet is never overtaken by data behind it; a packet that might belong to some TCP flow but cannot
 * be parsed (an IPv4 fragment, IPv6 extension headers, a truncated header) closes all open groups.
 *
 * <p>A packet continues a group when: same addresses, ports, IPv4 TOS/TTL/DF (IPv6 traffic class, flow label,
 * hop limit), same ACK number, window, urgent pointer and TCP options byte for byte; its sequence number is the
 * group's next; its payload is no longer than the first's (the segment size); the group stays within 64 KiB
 * and {@link #MAX_SEGMENTS}; and, for IPv4 without DF, its IP id is the first's plus its position (with DF the
 * id carries no meaning, RFC 6864). A shorter payload or PSH ends the group. Packets of different flows may
 * be reordered relative to each other; packets of one flow never are.
 *
 * <p>Output: groups in the order of their first packet; a group of one is written unchanged (zero virtio
 * header); a larger one as {@link #writeGroupHeader} (virtio header + merged IP/TCP header) followed by the
 * members' payloads.
 *
 * <p>Not thread-safe; allocation-free. Accessors refer to the last {@link #coalesce} call.
 */
public final class TcpCoalescer {
    /** Packets one {@link #coalesce} call takes at most. */
    public static final int MAX_PACKETS = 128;
    /** Segments in one super-packet at most. */
    public static final int MAX_SEGMENTS = 64;
    /** Largest super-packet (IP total length). */
    public static final int MAX_BYTES = 65535;
    /** Largest {@link #writeGroupHeader} output: virtio header + 20-byte IPv4 or 40-byte IPv6 + 60-byte TCP. */
    public static final int MAX_HEADER_BYTES = VirtioNetHdr.SIZE + 40 + 60;

    private static final int MAX_OPEN = 8;
    private static final int PROTO_ICMPV6 = 58;
    private static final int OPAQUE = -1;    // not parsable, might belong to a TCP flow
    private static final int OTHER = 0;      // certainly not TCP
    private static final int TCP = 1;        // TCP, but not coalescable
    private static final int CANDIDATE = 2;  // TCP data that may be coalesced

    // Per packet (index relative to `from`).
    private final int[] l4Off = new int[MAX_PACKETS];   // -1: not a parsable TCP packet
    private final int[] hdrLen = new int[MAX_PACKETS];
    private final int[] payload = new int[MAX_PACKETS];
    private final int[] flowHash = new int[MAX_PACKETS];
    private final int[] next = new int[MAX_PACKETS];
    // Per group.
    private final int[] gFirst = new int[MAX_PACKETS];
    private final int[] gLast = new int[MAX_PACKETS];
    private final int[] gCount = new int[MAX_PACKETS];
    private final int[] gSegSize = new int[MAX_PACKETS];
    private final int[] gTotal = new int[MAX_PACKETS];
    private final int[] gNextSeq = new int[MAX_PACKETS];
    private final boolean[] gOpen = new boolean[MAX_PACKETS];
    private final int[] open = new int[MAX_OPEN];
    private int openCount;
    private int groups;
    private PacketBuffer[] bufs;
    private int from;

    /**
     * Groups {@code bufs[from, from+count)} ({@code count <= MAX_PACKETS}); returns the number of groups.
     * Never throws for any packet contents.
     */
    public int coalesce(PacketBuffer[] bufs, int from, int count) {
        if (count < 0 || count > MAX_PACKETS) {
            throw new IllegalArgumentException("count " + count + " not in [0, " + MAX_PACKETS + "]");
        }
        this.bufs = bufs;
        this.from = from;
        this.groups = 0;
        this.openCount = 0;
        for (int i = 0; i < count; i++) {
            next[i] = -1;
            int kind = parse(i);
            if (kind == OPAQUE) {
                // Possibly part of some TCP flow (a fragment, extension headers): let nothing overtake it.
                openCount = 0;
                single(i);
                continue;
            }
            if (kind == OTHER) {
                single(i);
                continue;
            }
            int g = findOpen(i);
            if (kind == CANDIDATE && g >= 0 && canAppend(g, i)) {
                append(g, i);
                continue;
            }
            if (g >= 0) {
                closeGroup(g);
            }
            if (kind == CANDIDATE) {
                startGroup(i);
            } else {
                single(i);
            }
        }
        return groups;
    }

    public int groupCount() {
        return groups;
    }

    /** Number of packets in group {@code g}. */
    public int groupSize(int g) {
        return gCount[g];
    }

    /** The first packet of group {@code g}, as an index relative to {@code from}. */
    public int groupFirst(int g) {
        return gFirst[g];
    }

    /** The packet after {@code p} in its group, or -1. */
    public int nextInGroup(int p) {
        return next[p];
    }

    /** Offset of packet {@code p}'s TCP payload from its buffer's packet offset. */
    public int payloadOffset(int p) {
        return hdrLen[p];
    }

    public int payloadLength(int p) {
        return payload[p];
    }

    /** IP total length of the coalesced packet of group {@code g} (for a group of one: the packet length). */
    public int groupLength(int g) {
        return gCount[g] == 1 ? bufs[from + gFirst[g]].length() : gTotal[g];
    }

    /**
     * Writes the virtio header and the merged IP+TCP header of a group of two or more into {@code dst[off]};
     * returns the bytes written (at most {@link #MAX_HEADER_BYTES}). The members' payloads follow in order.
     */
    public int writeGroupHeader(int g, MemorySegment dst, long off) {
        if (gCount[g] < 2) {
            throw new IllegalArgumentException("group " + g + " has one packet; write it unchanged");
        }
        int f = gFirst[g];
        PacketBuffer first = bufs[from + f];
        MemorySegment src = first.memory();
        long so = first.offset();
        int hl = hdrLen[f];
        int l4 = l4Off[f];
        boolean v6 = l4 == 40 && (u8(src, so) >>> 4) == 6;
        int total = gTotal[g];
        long ip = off + VirtioNetHdr.SIZE;
        MemorySegment.copy(src, so, dst, ip, hl);
        if (v6) {
            put16(dst, ip + 4, total - 40);
        } else {
            put16(dst, ip + 2, total);
            put16(dst, ip + 10, 0);
            put16(dst, ip + 10, Checksum.finish(Checksum.add(dst, ip, l4, 0)));
        }
        PacketBuffer last = bufs[from + gLast[g]];
        int lastFlags = u8(last.memory(), last.offset() + l4Off[gLast[g]] + 13);
        put8(dst, ip + l4 + 13, u8(src, so + l4 + 13) | (lastFlags & TCP_PSH));
        // NEEDS_CSUM: the field holds the folded pseudo-header sum over the whole transport length.
        put16(dst, ip + l4 + 16, Checksum.fold(Checksum.pseudoHeader(dst, ip, v6, PROTO_TCP, total - l4)));
        VirtioNetHdr.write(dst, off, VirtioNetHdr.F_NEEDS_CSUM,
                v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4, hl, gSegSize[g], l4,
                VirtioNetHdr.TCP_CSUM_OFFSET);
        return VirtioNetHdr.SIZE + hl;
    }

    /**
     * Writes group {@code g} as the TUN would receive it — virtio header then the whole packet — into
     * {@code dst[off]}; returns the bytes written. For tests and for callers without vectored writes.
     */
    public int writeGroup(int g, MemorySegment dst, long off) {
        int f = gFirst[g];
        if (gCount[g] == 1) {
            PacketBuffer b = bufs[from + f];
            VirtioNetHdr.writeEmpty(dst, off);
            MemorySegment.copy(b.memory(), b.offset(), dst, off + VirtioNetHdr.SIZE, b.length());
            return VirtioNetHdr.SIZE + b.length();
        }
        long p = off + writeGroupHeader(g, dst, off);
        for (int i = f; i >= 0; i = next[i]) {
            PacketBuffer b = bufs[from + i];
            MemorySegment.copy(b.memory(), b.offset() + hdrLen[i], dst, p, payload[i]);
            p += payload[i];
        }
        return (int) (p - off);
    }

    // ---- parsing ----

    /** Fills the per-packet arrays for packet {@code i}; returns OPAQUE, OTHER, TCP or CANDIDATE. */
    private int parse(int i) {
        l4Off[i] = -1;
        PacketBuffer b = bufs[from + i];
        MemorySegment s = b.memory();
        long o = b.offset();
        int n = b.length();
        if (n < 20) {
            return OPAQUE;
        }
        int version = u8(s, o) >>> 4;
        int l4;
        boolean lengthsMatch;
        if (version == 4) {
            int ihl = (u8(s, o) & 0x0f) * 4;
            if (u8(s, o + 9) != PROTO_TCP) {
                return OTHER;
            }
            if (ihl < 20 || n < ihl + 20 || (u16(s, o + 6) & 0x3fff) != 0) {
                return OPAQUE;
            }
            l4 = ihl;
            lengthsMatch = ihl == 20 && u16(s, o + 2) == n;
        } else if (version == 6) {
            int nh = u8(s, o + 6);
            if (nh == GsoSplitter.PROTO_UDP || nh == PROTO_ICMPV6) {
                return OTHER;
            }
            if (n < 60 || nh != PROTO_TCP) {
                return OPAQUE;
            }
            l4 = 40;
            lengthsMatch = 40 + u16(s, o + 4) == n;
        } else {
            return OPAQUE;
        }
        int th = (u8(s, o + l4 + 12) >>> 4) * 4;
        if (th < 20 || l4 + th > n) {
            return OPAQUE;
        }
        l4Off[i] = l4;
        hdrLen[i] = l4 + th;
        payload[i] = n - l4 - th;
        flowHash[i] = hashFlow(s, o, version == 6, l4);
        int flags = u8(s, o + l4 + 13);
        if (!lengthsMatch || payload[i] == 0 || (flags & ~(TCP_ACK | TCP_PSH)) != 0 || (flags & TCP_ACK) == 0) {
            return TCP;
        }
        if (version == 4 && !Checksum.ipv4HeaderValid(s, o, 20)) {
            return TCP;
        }
        return Checksum.transportValid(s, o, version == 6, PROTO_TCP, o + l4, n - l4) ? CANDIDATE : TCP;
    }

    private static int hashFlow(MemorySegment s, long o, boolean v6, int l4) {
        int h = v6 ? 0x6b43a9b5 : 0x1b873593;
        int words = v6 ? 8 : 2;
        long a = o + (v6 ? 8 : 12);
        for (int k = 0; k < words; k++) {
            h = (h ^ Bytes.i32(s, a + 4L * k)) * 0x9e3779b1;
        }
        h = (h ^ Bytes.i32(s, o + l4)) * 0x9e3779b1;
        return h ^ (h >>> 15);
    }

    /** Same IP version, addresses and ports. */
    private boolean sameFlow(int a, int b) {
        if (flowHash[a] != flowHash[b]) {
            return false;
        }
        PacketBuffer pa = bufs[from + a];
        PacketBuffer pb = bufs[from + b];
        MemorySegment sa = pa.memory();
        MemorySegment sb = pb.memory();
        long oa = pa.offset();
        long ob = pb.offset();
        if ((u8(sa, oa) >>> 4) != (u8(sb, ob) >>> 4)) {
            return false;
        }
        boolean v6 = (u8(sa, oa) >>> 4) == 6;
        return Bytes.equal(sa, oa + (v6 ? 8 : 12), sb, ob + (v6 ? 8 : 12), v6 ? 32 : 8)
                && Bytes.equal(sa, oa + l4Off[a], sb, ob + l4Off[b], 4);
    }

    // ---- grouping ----

    private int findOpen(int i) {
        for (int k = openCount - 1; k >= 0; k--) {
            int g = open[k];
            if (sameFlow(gFirst[g], i)) {
                return g;
            }
        }
        return -1;
    }

    private boolean canAppend(int g, int i) {
        int f = gFirst[g];
        if (!gOpen[g] || gCount[g] >= MAX_SEGMENTS || hdrLen[i] != hdrLen[f] || payload[i] > gSegSize[g]
                || gTotal[g] + payload[i] > MAX_BYTES) {
            return false;
        }
        PacketBuffer pf = bufs[from + f];
        PacketBuffer pi = bufs[from + i];
        MemorySegment sf = pf.memory();
        MemorySegment si = pi.memory();
        long of = pf.offset();
        long oi = pi.offset();
        int l4 = l4Off[f];
        if (l4 == 20) {
            // TOS, flags+fragment (DF), TTL must match.
            if (u8(sf, of + 1) != u8(si, oi + 1) || u16(sf, of + 6) != u16(si, oi + 6) || u8(sf, of + 8) != u8(si, oi + 8)) {
                return false;
            }
            boolean df = (u16(sf, of + 6) & 0x4000) != 0;
            if (!df && u16(si, oi + 4) != ((u16(sf, of + 4) + gCount[g]) & 0xffff)) {
                return false;
            }
        } else {
            // Version, traffic class, flow label, and hop limit must match.
            if (Bytes.i32(sf, of) != Bytes.i32(si, oi) || u8(sf, of + 7) != u8(si, oi + 7)) {
                return false;
            }
        }
        long tf = of + l4;
        long ti = oi + l4;
        if (Bytes.i32(si, ti + 4) != gNextSeq[g]) {
            return false;
        }
        // ACK number, then window/urgent pointer, then options (flags are ACK or ACK|PSH for every candidate).
        return Bytes.i32(sf, tf + 8) == Bytes.i32(si, ti + 8)
                && u16(sf, tf + 14) == u16(si, ti + 14)
                && u16(sf, tf + 18) == u16(si, ti + 18)
                && Bytes.equal(sf, tf + 20, si, ti + 20, hdrLen[f] - l4 - 20);
    }

    private void append(int g, int i) {
        next[gLast[g]] = i;
        gLast[g] = i;
        gCount[g]++;
        gTotal[g] += payload[i];
        gNextSeq[g] += payload[i];
        if (payload[i] < gSegSize[g] || hasPsh(i)) {
            closeGroup(g);
        }
    }

    private void startGroup(int i) {
        int g = groups++;
        gFirst[g] = i;
        gLast[g] = i;
        gCount[g] = 1;
        gSegSize[g] = payload[i];
        gTotal[g] = hdrLen[i] + payload[i];
        PacketBuffer b = bufs[from + i];
        gNextSeq[g] = Bytes.i32(b.memory(), b.offset() + l4Off[i] + 4) + payload[i];
        gOpen[g] = !hasPsh(i);
        if (gOpen[g]) {
            if (openCount == MAX_OPEN) {
                closeGroup(open[0]);
            }
            open[openCount++] = g;
        }
    }

    private void single(int i) {
        int g = groups++;
        gFirst[g] = i;
        gLast[g] = i;
        gCount[g] = 1;
        gOpen[g] = false;
        gTotal[g] = bufs[from + i].length();
    }

    private void closeGroup(int g) {
        gOpen[g] = false;
        for (int k = 0; k < openCount; k++) {
            if (open[k] == g) {
                System.arraycopy(open, k + 1, open, k, openCount - k - 1);
                openCount--;
                return;
            }
        }
    }

    private boolean hasPsh(int i) {
        PacketBuffer b = bufs[from + i];
        return (u8(b.memory(), b.offset() + l4Off[i] + 13) & TCP_PSH) != 0;
    }
}
