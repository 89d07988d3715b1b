package dev.warren.magicsock;

import dev.warren.wire.time.Scheduler;

/**
 * The heartbeat timer of one {@link MagicSock} peer: the handle of its next scheduled heartbeat and whether the
 * peer is gone (removed from the map, our node key changed, or the socket closed), after which no heartbeat runs
 * or is scheduled again.
 *
 * <p>Why a class of its own: the handle and the removed flag must change together under one monitor (a heartbeat
 * finishing on the scheduler races a removal on the node's thread and a restart on {@code networkChanged}); the
 * heartbeat itself (what to send, when) is {@code PeerPaths}' and MagicSock's.
 *
 * <p>Threads: the scheduler thread (heartbeats), the engine's send threads (a send starting a heartbeat), the
 * node's thread (setPeers, setSelf, networkChanged, close). This object's monitor guards both fields; nothing
 * else is done under it but scheduling or cancelling the task.
 */
final class HeartbeatTimer {
    // guarded by this
    private Scheduler.Task task;
    // guarded by this
    private boolean removed;

    /** The peer is gone: no more heartbeats, and the pending one is cancelled. */
    synchronized void stop() {
        removed = true;
        if (task != null) {
            task.cancel();
        }
    }

    /** Whether {@link #stop} was called. */
    synchronized boolean isRemoved() {
        return removed;
    }

    /**
     * Schedules the next heartbeat {@code delayNanos} from now unless the delay is negative (the peer went idle) or
     * the peer is gone. When the peer went idle, a send may already have started the next heartbeat: its handle is
     * left alone.
     */
    synchronized void scheduleNext(Scheduler scheduler, Runnable heartbeat, long delayNanos) {
        if (delayNanos >= 0 && !removed) {
            task = scheduler.schedule(heartbeat, delayNanos);
        }
    }

    /** Cancels the pending heartbeat if the peer is not gone and one was ever scheduled; true if so. */
    synchronized boolean cancelRunning() {
        boolean running = !removed && task != null;
        if (running) {
            task.cancel();
        }
        return running;
    }
}
