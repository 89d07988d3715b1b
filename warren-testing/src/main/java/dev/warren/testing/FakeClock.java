package dev.warren.testing;

import dev.warren.wire.time.Clock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. Thread-safe. */
public final class FakeClock implements Clock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final long epochOffset;

    public FakeClock() {
        this(1_700_000_000_000_000_000L);
    }

    public FakeClock(long epochNanosAtStart) {
        this.epochOffset = epochNanosAtStart - nanos.get();
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long epochNanos() {
        return epochOffset + nanos.get();
    }

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    void set(long value) {
        nanos.set(value);
    }
}
