package dev.warren.net.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;

import static dev.warren.net.linux.LinuxConstants.POLLFD_EVENTS;
import static dev.warren.net.linux.LinuxConstants.POLLFD_FD;
import static dev.warren.net.linux.LinuxConstants.POLLFD_REVENTS;
import static dev.warren.net.linux.LinuxConstants.POLLFD_SIZE;
import static dev.warren.net.linux.LinuxConstants.POLLIN;

/**
 * Blocks in {@code poll(2)} on one file descriptor plus a wake-up eventfd. Closing a device or bind signals
 * its eventfd, which wakes every thread waiting here; they then throw {@link ClosedChannelException}. One
 * instance per thread that waits (it owns its {@code pollfd} array and call-state); allocation-free.
 */
public final class Poller {
    private final MemorySegment fds;
    private final MemorySegment state;
    private final MemorySegment one;

    public Poller(Arena arena) {
        this.fds = arena.allocate(2L * POLLFD_SIZE, 8);
        this.state = Libc.newCallState(arena);
        this.one = arena.allocate(8, 8);
    }

    /**
     * Waits until {@code fd} reports one of {@code events} (or an error condition), {@code wakeFd} becomes
     * readable, or {@code timeoutMillis} pass (-1 = forever).
     *
     * @return the {@code revents} of {@code fd}, 0 on timeout or {@code EINTR}
     * @throws ClosedChannelException when {@code wakeFd} was signalled
     */
    public int await(int fd, short events, int wakeFd, int timeoutMillis) throws IOException {
        fds.set(Libc.INT, POLLFD_FD, fd);
        fds.set(Libc.SHORT, POLLFD_EVENTS, events);
        fds.set(Libc.SHORT, POLLFD_REVENTS, (short) 0);
        fds.set(Libc.INT, POLLFD_SIZE + POLLFD_FD, wakeFd);
        fds.set(Libc.SHORT, POLLFD_SIZE + POLLFD_EVENTS, POLLIN);
        fds.set(Libc.SHORT, POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
        int r = Libc.pollFast(fds.address(), 2, timeoutMillis);
        if (r < 0) {
            // Almost always EINTR; ask again without waiting, capturing errno this time.
            r = Libc.poll(state, fds.address(), 2, 0);
            if (r < 0) {
                int e = Libc.errno(state);
                if (e == Errno.EINTR) {
                    return 0;
                }
                throw Errno.exception("poll", e);
            }
        }
        if (fds.get(Libc.SHORT, POLLFD_SIZE + POLLFD_REVENTS) != 0) {
            throw new ClosedChannelException();
        }
        return fds.get(Libc.SHORT, POLLFD_REVENTS) & 0xffff;
    }

    /** Creates a non-blocking close-on-exec eventfd. */
    public static int newEventFd(MemorySegment state) throws IOException {
        int fd = Libc.eventfd(state, 0, LinuxConstants.EFD_CLOEXEC | LinuxConstants.EFD_NONBLOCK);
        if (fd < 0) {
            throw Errno.exception("eventfd", Libc.errno(state));
        }
        return fd;
    }

    /** Makes {@code eventFd} readable (for good: nobody drains it), waking all pollers. */
    public void signal(int eventFd) {
        one.set(Libc.LONG, 0, 1L);
        Libc.write(state, eventFd, one.address(), 8);
    }
}
