package dev.warren.node.internal;

import java.util.random.RandomGenerator;

/**
 * Exponential reconnect back-off: 0.5 s, 1 s, 2 s … capped at 30 s, each delay jittered down by up to half so
 * that nodes cut off together do not return together. {@link #reset} after a connection proved healthy.
 *
 * <p>Concurrency: confined to the control thread.
 */
public final class Backoff {
    public static final long MIN_NANOS = 500_000_000L;
    public static final long MAX_NANOS = 30_000_000_000L;

    private final RandomGenerator rng;
    private int attempt;

    public Backoff(RandomGenerator rng) {
        this.rng = rng;
    }

    /** The delay before the next attempt, in nanoseconds, and counts the attempt. */
    public long next() {
        long d = MIN_NANOS << Math.min(attempt, 16);
        if (d <= 0 || d > MAX_NANOS) {
            d = MAX_NANOS;
        }
        attempt++;
        return d / 2 + (long) (rng.nextDouble() * (d / 2));
    }

    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
