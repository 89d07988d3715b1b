package dev.warren.net.offload;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct virtio_net_hdr} (linux/virtio_net.h), the 10-byte prefix a TUN device with
 * {@code IFF_VNET_HDR} puts before every packet. Fields are little-endian (virtio 1.0; a TUN on a
 * little-endian host always uses host order).
 *
 * <pre>
 * offset size field
 *   0     1   flags        F_NEEDS_CSUM: checksum at csum_start+csum_offset holds only the pseudo-header sum
 *   1     1   gso_type     GSO_NONE, GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4 (| GSO_ECN)
 *   2     2   hdr_len      bytes of IP + transport header
 *   4     2   gso_size     payload bytes per segment
 *   6     2   csum_start   offset of the transport header
 *   8     2   csum_offset  offset of the checksum field within it (16 TCP, 6 UDP)
 * </pre>
 */
public final class VirtioNetHdr {
    public static final int SIZE = 10;
    public static final int OFFSET_FLAGS = 0;
    public static final int OFFSET_GSO_TYPE = 1;
    public static final int OFFSET_HDR_LEN = 2;
    public static final int OFFSET_GSO_SIZE = 4;
    public static final int OFFSET_CSUM_START = 6;
    public static final int OFFSET_CSUM_OFFSET = 8;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    /** Checksum field offsets within the transport header. */
    public static final int TCP_CSUM_OFFSET = 16;
    public static final int UDP_CSUM_OFFSET = 6;

    private VirtioNetHdr() {
    }

    public static int flags(MemorySegment s, long off) {
        return Bytes.u8(s, off + OFFSET_FLAGS);
    }

    public static int gsoType(MemorySegment s, long off) {
        return Bytes.u8(s, off + OFFSET_GSO_TYPE);
    }

    public static int hdrLen(MemorySegment s, long off) {
        return Bytes.le16(s, off + OFFSET_HDR_LEN);
    }

    public static int gsoSize(MemorySegment s, long off) {
        return Bytes.le16(s, off + OFFSET_GSO_SIZE);
    }

    public static int csumStart(MemorySegment s, long off) {
        return Bytes.le16(s, off + OFFSET_CSUM_START);
    }

    public static int csumOffset(MemorySegment s, long off) {
        return Bytes.le16(s, off + OFFSET_CSUM_OFFSET);
    }

    /** Writes a header. */
    public static void write(MemorySegment s, long off, int flags, int gsoType, int hdrLen, int gsoSize,
                             int csumStart, int csumOffset) {
        Bytes.put8(s, off + OFFSET_FLAGS, flags);
        Bytes.put8(s, off + OFFSET_GSO_TYPE, gsoType);
        Bytes.putLe16(s, off + OFFSET_HDR_LEN, hdrLen);
        Bytes.putLe16(s, off + OFFSET_GSO_SIZE, gsoSize);
        Bytes.putLe16(s, off + OFFSET_CSUM_START, csumStart);
        Bytes.putLe16(s, off + OFFSET_CSUM_OFFSET, csumOffset);
    }

    /** Writes the all-zero header: a plain packet, checksums as they are. */
    public static void writeEmpty(MemorySegment s, long off) {
        s.set(Bytes.BE64, off, 0L);
        s.set(Bytes.BE16, off + 8, (short) 0);
    }
}
