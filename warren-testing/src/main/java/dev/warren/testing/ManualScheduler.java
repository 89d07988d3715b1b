package dev.warren.testing;

import dev.warren.wire.time.Scheduler;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A scheduler driven by a {@link FakeClock}: {@link #advance} moves the clock forward and runs every task that
 * falls due, in time order, on the calling thread (tasks scheduled by running tasks included).
 */
public final class ManualScheduler implements Scheduler {
    private record Entry(long due, long seq, Runnable task, boolean[] cancelled) {
    }

    private final FakeClock clock;
    // guarded by this
    private final PriorityQueue<Entry> queue = new PriorityQueue<>(
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    // guarded by this
    private long seq;

    public ManualScheduler(FakeClock clock) {
        this.clock = clock;
    }

    public FakeClock clock() {
        return clock;
    }

    @Override
    public synchronized Task schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        queue.add(new Entry(clock.nanoTime() + Math.max(0, delayNanos), seq++, task, cancelled));
        return () -> {
            synchronized (ManualScheduler.this) {
                cancelled[0] = true;
            }
        };
    }

    /** Advances time by {@code d}, running due tasks at their due times. */
    public void advance(Duration d) {
        long target = clock.nanoTime() + d.toNanos();
        while (true) {
            Entry e;
            synchronized (this) {
                e = queue.peek();
                if (e == null || e.due > target) {
                    break;
                }
                queue.poll();
                if (e.cancelled[0]) {
                    continue;
                }
            }
            if (e.due > clock.nanoTime()) {
                clock.set(e.due);
            }
            e.task.run();
        }
        if (target > clock.nanoTime()) {
            clock.set(target);
        }
    }

    /** Tasks waiting (including cancelled ones not yet discarded). */
    public synchronized int pending() {
        return (int) queue.stream().filter(e -> !e.cancelled[0]).count();
    }
}
