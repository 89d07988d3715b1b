package dev.warren.filter;

import dev.warren.wire.time.Clock;

/**
 * Rate-limited logging of dropped packets: at most one line per interval, naming the reason and the packet that
 * triggered it and how many drops went unlogged since the previous line ("filter: dropped no-rule tcp
 * 100.64.0.2:40000 > 100.64.0.1:22 [S] (17 more since the last report)"). Allocates only when it logs.
 *
 * <p>Concurrency: not thread-safe; {@link FilterTun} calls it under its write lock.
 */
final class DropLog {
    private static final System.Logger LOG = System.getLogger("warren.filter");

    private final Clock clock;
    private final long intervalNanos;
    // all three guarded by FilterTun's write lock
    private long next = Long.MIN_VALUE;
    private boolean armed;
    private long suppressed;

    DropLog(Clock clock, long intervalNanos) {
        this.clock = clock;
        this.intervalNanos = intervalNanos;
    }

    /** Called for every drop; returns true when it wrote a line. */
    boolean dropped(DropReason reason, PacketHeaders h) {
        long now = clock.nanoTime();
        if (armed && now - next < 0) {
            suppressed++;
            return false;
        }
        armed = true;
        next = now + intervalNanos;
        long before = suppressed;
        suppressed = 0;
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            StringBuilder line = new StringBuilder("filter: dropped ").append(reason.text()).append(' ');
            if (reason == DropReason.BAD_PACKET) {
                line.append("(unparseable)");
            } else {
                h.describe(line);
            }
            if (before > 0) {
                line.append(" (").append(before).append(" more since the last report)");
            }
            LOG.log(System.Logger.Level.INFO, line.toString());
        }
        return true;
    }
}
