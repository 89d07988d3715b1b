package dev.warren.net.linux;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hot-path logging that emits at most one record per interval and counts what it suppressed, so a flood of
 * bad packets cannot flood the log. Allocation happens only when a record is actually emitted.
 */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(System.Logger logger, long intervalMillis) {
        this.logger = logger;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Logs {@code msg} (with {@code arg} appended) unless one was logged within the interval. */
    public void log(System.Logger.Level level, String msg, Object arg) {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long dropped = suppressed.getAndSet(0);
        if (logger.isLoggable(level)) {
            logger.log(level, dropped == 0 ? msg + ": " + arg : msg + ": " + arg + " (" + dropped + " similar suppressed)");
        }
    }
}
