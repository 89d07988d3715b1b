package dev.warren.relay;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.relay.RelayFrame;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads relay frames from a stream as whole arrays (header included), so a packet can be handed on — often with a
 * few bytes rewritten in place — without copying. The stated length is checked against the type's limit
 * ({@link RelayFrame#checkHeader}) before anything is allocated, so a peer can make a reader allocate at most
 * {@link RelayFrame#MAX_PAYLOAD} + 5 bytes per frame.
 */
public final class FrameIo {
    private FrameIo() {
    }

    /**
     * The next frame, header and payload, as a new array; throws {@link EOFException} at a clean end of stream,
     * {@link MalformedMessageException} for a frame over its limit.
     */
    public static byte[] readFrame(InputStream in) throws IOException, MalformedMessageException {
        byte[] header = in.readNBytes(RelayFrame.HEADER_SIZE);
        if (header.length == 0) {
            throw new EOFException("end of stream");
        }
        if (header.length < RelayFrame.HEADER_SIZE) {
            throw new EOFException("end of stream inside a frame header");
        }
        int type = header[0] & 0xFF;
        long length = Integer.toUnsignedLong(readInt(header, 1));
        RelayFrame.checkHeader(type, length);
        byte[] frame = new byte[RelayFrame.HEADER_SIZE + (int) length];
        System.arraycopy(header, 0, frame, 0, RelayFrame.HEADER_SIZE);
        int n = in.readNBytes(frame, RelayFrame.HEADER_SIZE, (int) length);
        if (n < length) {
            throw new EOFException("end of stream inside a " + RelayFrame.typeName(type) + " frame");
        }
        return frame;
    }

    /** The type byte of a frame read by {@link #readFrame}. */
    public static int type(byte[] frame) {
        return frame[0] & 0xFF;
    }

    /** The payload length of a frame read by {@link #readFrame}. */
    public static int payloadLength(byte[] frame) {
        return frame.length - RelayFrame.HEADER_SIZE;
    }

    /** Writes a frame header (type and length) at {@code off}. */
    public static void writeHeader(byte[] b, int off, int type, int length) {
        b[off] = (byte) type;
        b[off + 1] = (byte) (length >>> 24);
        b[off + 2] = (byte) (length >>> 16);
        b[off + 3] = (byte) (length >>> 8);
        b[off + 4] = (byte) length;
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
