package dev.warren.wire.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One packet's worth of native memory, owned by exactly one stage at a time and recycled through a
 * {@link PacketPool}. The packet occupies {@code [offset, offset + length)}; readers leave
 * {@link #HEADROOM} bytes before it (room for the WireGuard transport header) and {@link #TAILROOM} after
 * it (padding and the authentication tag), so a packet is encrypted and decrypted in place.
 *
 * <p>A receive also records the datagram's source address here ({@link #setSource}), so the receive path
 * can compare it with a peer's endpoint without allocating.
 *
 * <p>Not thread-safe: ownership passes between threads through queues, which publish the contents.
 */
public final class PacketBuffer {
    /** Bytes reserved in front of a packet read from a TUN device (the WireGuard data header). */
    public static final int HEADROOM = 16;
    /** Bytes reserved after a packet: up to 15 bytes of padding plus the 16-byte Poly1305 tag. */
    public static final int TAILROOM = 32;

    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment memory;
    private final ByteBuffer in;
    private final ByteBuffer out;
    private final PacketPool pool;
    /** This buffer's slot in its pool (-1 for stand-alone buffers). */
    final int poolIndex;
    /** True while the buffer sits in its pool's free list (a cheap double-release check). */
    volatile boolean inPool = true;
    private int offset;
    private int length;

    private final byte[] sourceAddress = new byte[16];
    private int sourceAddressLength;
    private int sourcePort;

    PacketBuffer(MemorySegment memory, PacketPool pool, int poolIndex) {
        this.memory = memory;
        this.pool = pool;
        this.poolIndex = poolIndex;
        this.in = memory.asByteBuffer();
        this.out = memory.asByteBuffer();
    }

    /** A stand-alone buffer that belongs to no pool (tests, one-off messages). */
    public static PacketBuffer allocate(int capacity) {
        return new PacketBuffer(java.lang.foreign.Arena.ofAuto().allocate(capacity, 16), null, -1);
    }

    public MemorySegment memory() {
        return memory;
    }

    public int capacity() {
        return (int) memory.byteSize();
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** Sets the packet's window; checked against the capacity. */
    public PacketBuffer set(int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > memory.byteSize()) {
            throw new IndexOutOfBoundsException("packet [" + offset + ", +" + length + ") outside capacity " + memory.byteSize());
        }
        this.offset = offset;
        this.length = length;
        return this;
    }

    /**
     * A ByteBuffer over this memory positioned at {@code [off, off+len)}; the same object is returned on every
     * call ({@code in} and {@code out} are two independent views for in-place crypto).
     */
    public ByteBuffer inView(int off, int len) {
        in.limit(off + len).position(off);
        return in;
    }

    /** The second view, positioned at {@code off} with the limit at the capacity. */
    public ByteBuffer outView(int off) {
        out.limit(out.capacity()).position(off);
        return out;
    }

    public byte getByte(int index) {
        return memory.get(ValueLayout.JAVA_BYTE, index);
    }

    public void putByte(int index, int value) {
        memory.set(ValueLayout.JAVA_BYTE, index, (byte) value);
    }

    public int getIntLE(int index) {
        return memory.get(INT_LE, index);
    }

    public void putIntLE(int index, int value) {
        memory.set(INT_LE, index, value);
    }

    public long getLongLE(int index) {
        return memory.get(LONG_LE, index);
    }

    public void putLongLE(int index, long value) {
        memory.set(LONG_LE, index, value);
    }

    /** Network-order (big-endian) unsigned 16-bit value, as IP headers carry lengths. */
    public int getShortBE(int index) {
        return memory.get(SHORT_BE, index) & 0xffff;
    }

    public int getIntBE(int index) {
        return memory.get(INT_BE, index);
    }

    public long getLongBE(int index) {
        return memory.get(LONG_BE, index);
    }

    /** Copies {@code len} bytes at {@code srcOff} of this buffer into {@code dst}. */
    public void copyTo(int srcOff, byte[] dst, int dstOff, int len) {
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, srcOff, dst, dstOff, len);
    }

    public void copyFrom(byte[] src, int srcOff, int dstOff, int len) {
        MemorySegment.copy(src, srcOff, memory, ValueLayout.JAVA_BYTE, dstOff, len);
    }

    /** The packet's bytes as a new array (tests and slow paths only). */
    public byte[] toByteArray() {
        byte[] b = new byte[length];
        copyTo(offset, b, 0, length);
        return b;
    }

    /** Records the source of a received datagram. */
    public void setSource(byte[] addr, int addrOff, int addrLen, int port) {
        System.arraycopy(addr, addrOff, sourceAddress, 0, addrLen);
        sourceAddressLength = addrLen;
        sourcePort = port;
    }

    public void setSource(MemorySegment addr, long addrOff, int addrLen, int port) {
        MemorySegment.copy(addr, ValueLayout.JAVA_BYTE, addrOff, sourceAddress, 0, addrLen);
        sourceAddressLength = addrLen;
        sourcePort = port;
    }

    public void setSource(Endpoint ep) {
        sourceAddressLength = ep.copyAddress(sourceAddress, 0);
        sourcePort = ep.port();
    }

    /** True when the recorded source equals {@code ep}. */
    public boolean sourceMatches(Endpoint ep) {
        return ep != null && ep.matches(sourceAddress, sourceAddressLength, sourcePort);
    }

    /** The recorded source as a new Endpoint (allocates; use when a peer roams). */
    public Endpoint source() {
        return Endpoint.of(sourceAddress, 0, sourceAddressLength, sourcePort, 0);
    }

    /** The recorded source address bytes; valid for {@link #sourceAddressLength()} bytes. Do not modify. */
    public byte[] sourceAddress() {
        return sourceAddress;
    }

    public int sourceAddressLength() {
        return sourceAddressLength;
    }

    public int sourcePort() {
        return sourcePort;
    }

    /** Returns this buffer to its pool (no-op for stand-alone buffers). The caller must not touch it afterwards. */
    public void release() {
        if (pool != null) {
            pool.release(this);
        }
    }
}
