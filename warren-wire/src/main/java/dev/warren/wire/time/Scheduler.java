package dev.warren.wire.time;

/** Runs tasks after a delay measured on the matching {@link Clock}. Tasks must be short and must not block. */
public interface Scheduler {
    /** A scheduled task that can be cancelled; cancelling a task that already ran does nothing. */
    interface Task {
        void cancel();
    }

    Task schedule(Runnable task, long delayNanos);
}
