package dev.warren.node.dataplane;

import dev.warren.node.internal.LocalAddresses;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Watches the host's network and says when it changed: every {@code period} it reads a snapshot (the interface
 * addresses and the default routes) and, when the snapshot differs from the previous one, calls the listener — for
 * magicsock, {@code networkChanged()}: rebind, forget trusted paths, re-STUN, re-report endpoints.
 *
 * <p>Polling (2 s in the node) rather than a netlink subscription: it needs no native code, costs one
 * {@code getifaddrs} and two small /proc reads, and a change is seen within one period, well inside magicsock's
 * 6.5 s path trust.
 *
 * <p>Threads: the poll runs on the injected scheduler, one poll at a time (each schedules the next); the listener
 * runs on the scheduler's thread. {@code last} and {@code task} are guarded by {@code this}.
 */
public final class NetworkMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.node");

    private final Supplier<?> snapshot;
    private final Runnable listener;
    private final Scheduler scheduler;
    private final long periodNanos;
    // guarded by this
    private Object last;
    // guarded by this
    private Scheduler.Task task;
    // guarded by this
    private boolean closed;

    private NetworkMonitor(Supplier<?> snapshot, Runnable listener, Scheduler scheduler, Duration period) {
        this.snapshot = snapshot;
        this.listener = listener;
        this.scheduler = scheduler;
        this.periodNanos = period.toNanos();
    }

    /**
     * Takes the first snapshot now and polls every {@code period}.
     *
     * @param snapshot what the network looks like (compared with {@link Object#equals}); exceptions count as "no
     *                 change" and are logged
     * @param listener told after every change
     */
    public static NetworkMonitor start(Supplier<?> snapshot, Runnable listener, Scheduler scheduler,
                                       Duration period) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("network poll period must be positive, got " + period);
        }
        NetworkMonitor m = new NetworkMonitor(Objects.requireNonNull(snapshot), Objects.requireNonNull(listener),
                Objects.requireNonNull(scheduler), period);
        synchronized (m) {
            m.last = m.read();
            m.task = scheduler.schedule(m::poll, m.periodNanos);
        }
        return m;
    }

    private Object read() {
        try {
            return snapshot.get();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the network state: {0}", e.toString());
            return null;
        }
    }

    private void poll() {
        Object now = read();
        boolean changed;
        synchronized (this) {
            if (closed) {
                return;
            }
            changed = now != null && last != null && !now.equals(last);
            if (now != null) {
                last = now;
            }
            task = scheduler.schedule(this::poll, periodNanos);
        }
        if (changed) {
            LOG.log(System.Logger.Level.INFO, "network changed: {0}", now);
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "network change handling failed: {0}", e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (task != null) {
            task.cancel();
        }
    }

    /** The host's network state: underlay addresses (not the TUN's) and default routes. */
    public record HostState(List<InetAddress> addresses, List<String> defaultRoutes) {
    }

    /** Reads {@link HostState} of this Linux host, leaving out the interface {@code tunName}. */
    public static Supplier<HostState> hostState(String tunName) {
        return () -> new HostState(LocalAddresses.list(tunName), defaultRoutes(Path.of("/proc/net/route"),
                Path.of("/proc/net/ipv6_route")));
    }

    /**
     * The default routes in {@code /proc/net/route} (destination and mask 0: "iface via gateway-hex") and
     * {@code /proc/net/ipv6_route} (destination ::/0: "iface via next-hop-hex"); a missing or unreadable file
     * gives none.
     */
    static List<String> defaultRoutes(Path v4, Path v6) {
        return defaultRoutes(lines(v4), lines(v6));
    }

    /** The default routes in the lines of those two files; lines of any other shape are skipped. */
    static List<String> defaultRoutes(List<String> v4, List<String> v6) {
        List<String> out = new ArrayList<>();
        for (String line : v4) {
            String[] f = line.trim().split("\\s+");
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
            if (f.length > 7 && f[1].equals("00000000") && f[7].equals("00000000")) {
                out.add(f[0] + " via " + f[2]);
            }
        }
        for (String line : v6) {
            String[] f = line.trim().split("\\s+");
            // dest destlen src srclen nexthop metric refcnt use flags iface
            if (f.length > 9 && f[0].matches("0{32}") && f[1].equals("00") && !f[9].equals("lo")) {
                out.add(f[9] + " via " + f[4]);
            }
        }
        return out;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
