package dev.warren.wireguard;

import dev.warren.wire.time.Clock;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Why packets were dropped, counted per reason, with a log line per reason at most every ten seconds. A peer's
 * bytes can make us count, never crash or flood the log.
 */
public final class Drops {
    /** Reasons a packet or message was dropped. */
    public enum Reason {
        TRUNCATED("message shorter than its type requires"),
        UNKNOWN_TYPE("unknown message type"),
        UNKNOWN_INDEX("transport message for an unknown session"),
        EXPIRED_SESSION("transport message for an expired session"),
        AUTHENTICATION("transport message failed authentication"),
        REPLAY("replayed or too old counter"),
        BAD_INNER_PACKET("decrypted packet is not a valid IP packet"),
        DISALLOWED_SOURCE("decrypted packet's source is not in the peer's allowed IPs"),
        NO_ROUTE("no peer's allowed IPs cover the destination"),
        NO_ENDPOINT("peer has no known endpoint"),
        HANDSHAKE_QUEUE_FULL("handshake queue full"),
        NO_BUFFER("packet buffers exhausted"),
        STAGED_OVERFLOW("staged queue full while waiting for a session; the oldest packet was dropped"),
        BAD_MAC1("handshake message with an invalid mac1"),
        COOKIE_SENT("handshake answered with a cookie reply (under load)"),
        RATE_LIMITED("handshake rate-limited (under load)"),
        HANDSHAKE_REJECTED("handshake message rejected (not for us, replayed, flood or bad)"),
        SEND_FAILED("sending failed"),
        WRITE_FAILED("writing to the TUN device failed"),
        INTERNAL_ERROR("a packet batch hit an unexpected error (a bug); the path carries on");

        final String description;

        Reason(String description) {
            this.description = description;
        }
    }

    private static final long LOG_INTERVAL = 10 * Protocol.SECOND;
    private static final System.Logger LOG = System.getLogger("warren.wireguard");

    private final Clock clock;
    private final AtomicLongArray counts = new AtomicLongArray(Reason.values().length);
    private final AtomicLongArray nextLog = new AtomicLongArray(Reason.values().length);

    Drops(Clock clock) {
        this.clock = clock;
        long now = clock.nanoTime();
        for (int i = 0; i < nextLog.length(); i++) {
            nextLog.set(i, now);
        }
    }

    void count(Reason r) {
        count(r, 1, null);
    }

    void count(Reason r, int n, Object detail) {
        int i = r.ordinal();
        long total = counts.addAndGet(i, n);
        long now = clock.nanoTime();
        long due = nextLog.get(i);
        if (now - due >= 0 && nextLog.compareAndSet(i, due, now + LOG_INTERVAL)) {
            System.Logger.Level level = r == Reason.INTERNAL_ERROR ? System.Logger.Level.ERROR : System.Logger.Level.DEBUG;
            LOG.log(level, "dropped: {0}{1} (total {2})", r.description, detail == null ? "" : " — " + detail, total);
        }
    }

    public long get(Reason r) {
        return counts.get(r.ordinal());
    }

    public Map<Reason, Long> snapshot() {
        Map<Reason, Long> m = new EnumMap<>(Reason.class);
        for (Reason r : Reason.values()) {
            long v = counts.get(r.ordinal());
            if (v != 0) {
                m.put(r, v);
            }
        }
        return m;
    }
}
