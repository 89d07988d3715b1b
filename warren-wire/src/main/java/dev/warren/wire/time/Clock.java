package dev.warren.wire.time;

/**
 * Injected time. Logic never calls {@link System#nanoTime()} or {@link System#currentTimeMillis()} itself, so
 * timers (rekey, keepalive, handshake retry) can be tested on fake time.
 */
public interface Clock {
    /** Monotonic nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** Wall-clock nanoseconds since the Unix epoch (handshake timestamps, "latest handshake"). */
    long epochNanos();

    /** The real clocks of this JVM. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
