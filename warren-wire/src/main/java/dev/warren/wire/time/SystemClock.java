package dev.warren.wire.time;

import java.time.Instant;

/** The JVM's clocks: {@link System#nanoTime()} and {@link Instant#now()} (microsecond resolution on Linux). */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
