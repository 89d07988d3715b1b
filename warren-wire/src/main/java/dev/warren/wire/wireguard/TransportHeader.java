package dev.warren.wire.wireguard;

/**
 * In-place layout of the 16-byte transport-data header (see {@link WgMessage}). The engine reads and writes it
 * straight in a {@link dev.warren.wire.datapath.PacketBuffer} through these offsets; no object is created.
 */
public final class TransportHeader {
    /** Header bytes before the ciphertext. */
    public static final int SIZE = 16;
    /** Header plus an empty ciphertext's tag: a keepalive. */
    public static final int MIN_SIZE = SIZE + WgMessage.TAG_SIZE;
    public static final int OFFSET_TYPE = 0;
    public static final int OFFSET_RECEIVER = 4;
    public static final int OFFSET_COUNTER = 8;
    /** The first u32 of a transport message, little-endian: type 4, reserved zeros. */
    public static final int TYPE_WORD = WgMessage.TYPE_TRANSPORT;

    private TransportHeader() {
    }
}
