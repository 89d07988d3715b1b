package dev.warren.wireguard;

import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A restartable one-shot timer that is cheap to move from the packet path. {@link #mod} and {@link #del} only
 * write a volatile deadline; a scheduled task is created only when none is pending at or before the new
 * deadline. When the task fires early (the deadline moved later) it re-arms itself; when it fires for a
 * deleted deadline it does nothing. The action runs on the scheduler's thread and must not block.
 *
 * <p>Invariant: whenever {@code deadline != IDLE}, a task is scheduled at or before it (or the timer is stopped).
 * Concurrency: {@code deadline} is a volatile CAS field; {@code task}/{@code taskAt}/{@code stopped} are guarded
 * by {@code this}.
 */
final class LazyTimer {
    static final long IDLE = Long.MIN_VALUE;
    private static final VarHandle DEADLINE;

    static {
        try {
            DEADLINE = MethodHandles.lookup().findVarHandle(LazyTimer.class, "deadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Clock clock;
    private final Scheduler scheduler;
    private final Runnable action;
    private final Runnable fire = this::fire;
    private volatile long deadline = IDLE;
    // guarded by this
    private Scheduler.Task task;
    // guarded by this
    private long taskAt;
    // guarded by this
    private boolean stopped;

    LazyTimer(Clock clock, Scheduler scheduler, Runnable action) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.action = action;
    }

    /** (Re)starts the timer to expire {@code delayNanos} from now. */
    void mod(long delayNanos) {
        long d = clock.nanoTime() + delayNanos;
        deadline = d;
        arm(d);
    }

    /** Stops the timer if pending. */
    void del() {
        deadline = IDLE;
    }

    boolean isPending() {
        return deadline != IDLE;
    }

    /** Stops the timer for good (the peer is gone). */
    synchronized void stop() {
        stopped = true;
        deadline = IDLE;
        if (task != null) {
            task.cancel();
            task = null;
        }
    }

    /** Allows a stopped timer to be used again (the device came back up). */
    synchronized void restart() {
        stopped = false;
    }

    private synchronized void arm(long d) {
        if (stopped || (task != null && taskAt <= d)) {
            return;
        }
        if (task != null) {
            task.cancel();
        }
        taskAt = d;
        task = scheduler.schedule(fire, Math.max(0, d - clock.nanoTime()));
    }

    private void fire() {
        synchronized (this) {
            task = null;
            if (stopped) {
                return;
            }
        }
        long d = deadline;
        if (d == IDLE) {
            return;
        }
        if (clock.nanoTime() - d < 0) {
            arm(d);
            return;
        }
        if (!DEADLINE.compareAndSet(this, d, IDLE)) {
            long d2 = deadline;
            if (d2 != IDLE) {
                arm(d2);
            }
            return;
        }
        action.run();
    }
}
