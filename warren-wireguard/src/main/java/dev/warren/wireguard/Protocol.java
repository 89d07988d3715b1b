package dev.warren.wireguard;

import java.nio.charset.StandardCharsets;

/** WireGuard's protocol constants (paper §6.1 and wireguard-go's device/constants.go semantics). */
public final class Protocol {
    private Protocol() {
    }

    public static final long SECOND = 1_000_000_000L;
    public static final long MILLISECOND = 1_000_000L;

    /** Initiators start a new handshake for a session older than this when sending. */
    public static final long REKEY_AFTER_TIME = 120 * SECOND;
    /** No packet is sent or accepted with a session older than this. */
    public static final long REJECT_AFTER_TIME = 180 * SECOND;
    /** Handshake attempts stop after this long without success. */
    public static final long REKEY_ATTEMPT_TIME = 90 * SECOND;
    /** A handshake initiation is retried after this (plus jitter) without a response. */
    public static final long REKEY_TIMEOUT = 5 * SECOND;
    /** Jitter added to handshake retransmissions, at most this. */
    public static final long REKEY_TIMEOUT_JITTER_MAX = 334 * MILLISECOND;
    /** A keepalive answers received data after this if nothing else was sent. */
    public static final long KEEPALIVE_TIMEOUT = 10 * SECOND;
    /** Cookie secrets rotate, and cookies expire, after this. */
    public static final long COOKIE_REFRESH_TIME = 120 * SECOND;
    /** Initiations from one peer are consumed at most this often. */
    public static final long HANDSHAKE_INITIATION_RATE = 50 * MILLISECOND;
    /** The device counts as under load for this long after its handshake queue last filled up. */
    public static final long UNDER_LOAD_AFTER_TIME = SECOND;

    /** Sessions are renewed after this many messages (2^60). */
    public static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /** Unsigned 2^64 - 2^13 - 1: no message is sent or accepted with a counter at or above it. */
    public static final long REJECT_AFTER_MESSAGES = 0xFFFF_FFFF_FFFF_DFFFL;

    /** Retransmissions before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
    public static final int MAX_TIMER_HANDSHAKES = (int) (REKEY_ATTEMPT_TIME / REKEY_TIMEOUT);

    /** Plaintext is padded to a multiple of this (but never beyond the MTU). */
    public static final int PADDING_MULTIPLE = 16;
    /** Staged packets per peer while a handshake is pending; the oldest are dropped beyond this. */
    public static final int MAX_STAGED_PACKETS = 128;
    /** Queued handshake messages; an eighth of this marks the device as under load. */
    public static final int HANDSHAKE_QUEUE_SIZE = 1024;

    static final byte[] CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".getBytes(StandardCharsets.US_ASCII);
    static final byte[] IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);

    /** The padded length of a plaintext of {@code size} bytes for the given tunnel MTU (0 = unknown). */
    static int paddedSize(int size, int mtu) {
        if (mtu <= 0) {
            return (size + PADDING_MULTIPLE - 1) & -PADDING_MULTIPLE;
        }
        int lastUnit = size > mtu ? size % mtu : size;
        int padded = Math.min((lastUnit + PADDING_MULTIPLE - 1) & -PADDING_MULTIPLE, mtu);
        return size + Math.max(0, padded - lastUnit);
    }
}
