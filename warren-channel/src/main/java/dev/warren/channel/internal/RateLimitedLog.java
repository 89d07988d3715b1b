package dev.warren.channel.internal;

import org.slf4j.Logger;

/**
 * Logs at most {@code perMinute} warnings a minute and counts the rest, so that a client sending garbage in a loop
 * cannot flood the server's log. Thread-safe.
 */
public final class RateLimitedLog {
    private static final long WINDOW_NANOS = 60_000_000_000L;

    private final Logger log;
    private final int perMinute;
    private long windowStart = System.nanoTime(); // guarded by this
    private int inWindow;                           // guarded by this
    private long suppressed;                        // guarded by this

    public RateLimitedLog(Logger log, int perMinute) {
        this.log = log;
        this.perMinute = perMinute;
    }

    public void warn(String message) {
        long dropped;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= WINDOW_NANOS) {
                windowStart = now;
                inWindow = 0;
            }
            if (inWindow >= perMinute) {
                suppressed++;
                return;
            }
            inWindow++;
            dropped = suppressed;
            suppressed = 0;
        }
        if (dropped > 0) {
            log.warn("{} (and {} similar messages suppressed)", message, dropped);
        } else {
            log.warn(message);
        }
    }
}
