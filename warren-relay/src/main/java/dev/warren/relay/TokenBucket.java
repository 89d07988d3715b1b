package dev.warren.relay;

import dev.warren.wire.time.Clock;

/**
 * A token bucket on an injected clock: {@code rate} tokens a second up to {@code burst}. Used for per-client byte
 * rate limits (relay side and client side) and for rate-limited notices. Not thread-safe: one owner, or callers
 * synchronize.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private final Clock clock;
    private double tokens;
    private long last;

    /** A full bucket; {@code rate} per second, {@code burst} deep (both positive). */
    public TokenBucket(double ratePerSecond, double burst, Clock clock) {
        if (!(ratePerSecond > 0) || !(burst > 0)) {
            throw new IllegalArgumentException("token bucket rate and burst must be positive");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.last = clock.nanoTime();
    }

    /** Takes {@code n} tokens if that many are there; false (and nothing taken) otherwise. */
    public boolean tryTake(double n) {
        long now = clock.nanoTime();
        long dt = now - last;
        if (dt > 0) {
            tokens = Math.min(burst, tokens + dt * ratePerNano);
            last = now;
        }
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
