package dev.warren.relay;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.relay.RelayFrame;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads relay frames from a stream through one reusable buffer, parsing as many frames as each {@code read}
 * returned before reading again: a busy connection costs one read system call per buffer-full (tens of packets),
 * not two stream calls per frame, and no array per frame.
 *
 * <p>Use: {@link #next()} returns the next frame's type; the frame is then {@link #buffer()}{@code [}{@link
 * #frameOffset()}, {@code +}{@link #frameLength()}{@code )} (header included; its payload at {@link
 * #payloadOffset()}, {@link #payloadLength()} bytes) and stays valid until the next call — copy it
 * ({@link #copyFrame()}) to keep it. {@link #hasBufferedFrame()} says whether the next frame is already complete
 * in the buffer, i.e. whether {@link #next()} will return without reading: a reader delivers the frames of one read
 * as a batch and flushes downstream when it is about to block.
 *
 * <p>Bounds: each header's stated length is checked against its type's limit ({@link RelayFrame#checkHeader})
 * before the buffer is grown for it, so a peer can make a reader hold at most {@link #MAX_CAPACITY} bytes. The
 * buffer starts at {@link #INITIAL_CAPACITY} (idle connections stay small) and doubles when a frame does not fit or
 * when a read fills all its free space (the connection is busy), up to {@link #MAX_CAPACITY}.
 *
 * <p>Wire format read (see {@code docs/relay.md}):
 * <pre>
 * frame = type:u8 ‖ length:u32 big-endian (payload bytes, not counting these 5) ‖ payload[length]
 * </pre>
 *
 * <p>Threads: one reader thread; not thread-safe.
 */
public final class FrameReader {
    /** Capacity of a fresh reader. */
    public static final int INITIAL_CAPACITY = 16 << 10;
    /** Largest buffer: room for two maximal frames, so a full buffer always holds at least one whole frame. */
    public static final int MAX_CAPACITY = 2 * (RelayFrame.HEADER_SIZE + RelayFrame.MAX_PAYLOAD);

    private final InputStream in;
    private byte[] buf;
    /** Unparsed bytes are {@code buf[start, end)}. */
    private int start;
    private int end;
    private int frameOff;
    private int frameLen;

    public FrameReader(InputStream in) {
        this(in, INITIAL_CAPACITY);
    }

    /** A reader whose buffer starts at {@code initialCapacity} bytes (at least 64, at most {@link #MAX_CAPACITY}). */
    public FrameReader(InputStream in, int initialCapacity) {
        if (initialCapacity < 64 || initialCapacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("initialCapacity must be in [64, " + MAX_CAPACITY + "], got "
                    + initialCapacity);
        }
        this.in = java.util.Objects.requireNonNull(in, "in");
        this.buf = new byte[initialCapacity];
    }

    /**
     * Reads the next frame and returns its type. Throws {@link EOFException} at a clean end of stream (between
     * frames) or inside a frame, {@link MalformedMessageException} for a frame over its type's limit.
     */
    public int next() throws IOException, MalformedMessageException {
        frameLen = 0;
        while (end - start < RelayFrame.HEADER_SIZE) {
            if (!fill(RelayFrame.HEADER_SIZE)) {
                throw new EOFException(end == start ? "end of stream" : "end of stream inside a frame header");
            }
        }
        int type = buf[start] & 0xFF;
        long length = Integer.toUnsignedLong(readInt(buf, start + 1));
        RelayFrame.checkHeader(type, length);
        int total = RelayFrame.HEADER_SIZE + (int) length;
        while (end - start < total) {
            if (!fill(total)) {
                throw new EOFException("end of stream inside a " + RelayFrame.typeName(type) + " frame");
            }
        }
        frameOff = start;
        frameLen = total;
        start += total;
        return type;
    }

    /**
     * Whether a whole frame is already buffered after the current one, so {@link #next()} will not read (it may
     * still throw for an over-limit header).
     */
    public boolean hasBufferedFrame() {
        int avail = end - start;
        if (avail < RelayFrame.HEADER_SIZE) {
            return false;
        }
        long length = Integer.toUnsignedLong(readInt(buf, start + 1));
        return avail - RelayFrame.HEADER_SIZE >= length;
    }

    /** The buffer holding the current frame (valid until the next {@link #next()}). */
    public byte[] buffer() {
        return buf;
    }

    /** Where the current frame (its header) starts in {@link #buffer()}. */
    public int frameOffset() {
        return frameOff;
    }

    /** The current frame's length, header included. */
    public int frameLength() {
        return frameLen;
    }

    /** Where the current frame's payload starts in {@link #buffer()}. */
    public int payloadOffset() {
        return frameOff + RelayFrame.HEADER_SIZE;
    }

    /** The current frame's payload length. */
    public int payloadLength() {
        return frameLen - RelayFrame.HEADER_SIZE;
    }

    /** A copy of the current frame, header included (the layout {@link FrameIo#readFrame} returns). */
    public byte[] copyFrame() {
        return java.util.Arrays.copyOfRange(buf, frameOff, frameOff + frameLen);
    }

    /** The buffer's current size (tests, memory accounting). */
    public int capacity() {
        return buf.length;
    }

    /**
     * Reads more bytes so that a frame of {@code need} bytes starting at {@code start} can fit; false at end of
     * stream. Compacts or grows the buffer first when the frame would not fit behind {@code start}.
     */
    private boolean fill(int need) throws IOException {
        if (start == end) {
            start = 0;
            end = 0;
        }
        if (start + need > buf.length) {
            int unread = end - start;
            if (need > buf.length) {
                byte[] bigger = new byte[Math.min(MAX_CAPACITY, Math.max(need, buf.length * 2))];
                System.arraycopy(buf, start, bigger, 0, unread);
                buf = bigger;
            } else {
                System.arraycopy(buf, start, buf, 0, unread);
            }
            start = 0;
            end = unread;
        }
        int free = buf.length - end;
        int n = in.read(buf, end, free);
        if (n < 0) {
            return false;
        }
        end += n;
        if (n == free && buf.length < MAX_CAPACITY) {
            // the read filled every free byte: more is probably waiting; read bigger chunks from now on
            byte[] bigger = new byte[Math.min(MAX_CAPACITY, buf.length * 2)];
            System.arraycopy(buf, start, bigger, 0, end - start);
            end -= start;
            start = 0;
            buf = bigger;
        }
        return true;
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
