package dev.warren.net.linux;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closes file descriptors only once nobody is inside a call that uses them. Without this, a thread blocked in
 * (or about to enter) {@code recvmmsg(fd)} while another thread closes {@code fd} could end up reading from an
 * unrelated file that reused the number.
 *
 * <p>Protocol: every call that touches the fds runs between {@link #enter()} and {@link #exit()}. {@link #close}
 * marks the guard closed (new {@code enter}s throw {@link ClosedChannelException}), runs a wake-up action (e.g.
 * signal an eventfd that blocked callers poll on), and the release action (closing the fds, freeing native
 * memory) then runs exactly once, on whichever thread leaves last.
 *
 * <p>State is one {@code long}: bit 0 = closed, the rest = number of threads inside, times two. Lock-free and
 * allocation-free.
 */
public final class CloseGuard {
    private final AtomicLong state = new AtomicLong();
    private final Runnable release;

    public CloseGuard(Runnable release) {
        this.release = release;
    }

    /** Registers the caller as a user of the resources. */
    public void enter() throws ClosedChannelException {
        while (true) {
            long s = state.get();
            if ((s & 1) != 0) {
                throw new ClosedChannelException();
            }
            if (state.compareAndSet(s, s + 2)) {
                return;
            }
        }
    }

    /** Leaves; the last one out after a close runs the release action. */
    public void exit() {
        long s = state.addAndGet(-2);
        if (s == 1) {
            release.run();
        }
    }

    /**
     * Marks closed, runs {@code wake} (while the resources are still valid, since the caller counts as a user),
     * and releases once every user has left. Returns false if the guard was already closed.
     */
    public boolean close(Runnable wake) {
        while (true) {
            long s = state.get();
            if ((s & 1) != 0) {
                return false;
            }
            if (state.compareAndSet(s, (s + 2) | 1)) {
                break;
            }
        }
        try {
            wake.run();
        } finally {
            exit();
        }
        return true;
    }

    public boolean isClosed() {
        return (state.get() & 1) != 0;
    }
}
