package dev.warren.magicsock.portmap;

import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Maps magicsock's UDP port on the default gateway with the first protocol that works: PCP, then NAT-PMP, then
 * UPnP IGD (FIELD §4). The mapping is renewed at half its lifetime (a failed renewal retries the other protocols
 * and, failing all, reports no mapping), and deleted on {@link #close}. {@link #probe} reports which protocols
 * answer, cached for {@link #PROBE_CACHE_NANOS}.
 *
 * <p>Threads: {@link #start} and {@link #probe} block (short timeouts) and are run on virtual threads by magicsock;
 * renewals run on virtual threads started from the {@link Scheduler}. State is guarded by {@code this}.
 */
public final class PortMapper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortMapper.class.getName());
    public static final int LIFETIME_SECONDS = 7200;
    public static final long PROBE_CACHE_NANOS = 600_000_000_000L;

    private final List<MappingClient> clients;
    private final Clock clock;
    private final Scheduler scheduler;
    // guarded by this
    private Mapping current;
    // guarded by this
    private MappingClient currentClient;
    // guarded by this
    private Scheduler.Task renewal;
    // guarded by this
    private Protocols probed;
    // guarded by this
    private long probedAt;
    // guarded by this
    private boolean closed;
    // guarded by this
    private Consumer<InetSocketAddress> listener;
    // guarded by this
    private int port;

    /** The clients to use, in preference order. */
    public PortMapper(List<MappingClient> clients, Clock clock, Scheduler scheduler) {
        this.clients = List.copyOf(clients);
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** PCP, NAT-PMP (both on {@code gateway}:5351) and UPnP (SSDP to 239.255.255.250:1900) with 250 ms timeouts. */
    public static PortMapper forGateway(InetAddress gateway, Clock clock, Scheduler scheduler) {
        Duration t = Duration.ofMillis(250);
        InetSocketAddress pmp = new InetSocketAddress(gateway, NatPmpClient.PORT);
        return new PortMapper(List.of(new PcpClient(pmp, t), new NatPmpClient(pmp, t),
                new UpnpClient(UpnpClient.SSDP, gateway, t)), clock, scheduler);
    }

    /** The IPv4 default gateway from {@code /proc/net/route}, or null when there is none (or not Linux). */
    public static InetAddress defaultGateway() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 2 && f[1].equals("00000000") && !f[2].equals("00000000")) {
                    long g = Long.parseLong(f[2], 16);
                    byte[] ip = {(byte) g, (byte) (g >>> 8), (byte) (g >>> 16), (byte) (g >>> 24)};
                    return InetAddress.getByAddress(ip);
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** Which protocols the gateway answers (blocking, at most one timeout per protocol). */
    public Protocols probe() {
        synchronized (this) {
            if (probed != null && clock.nanoTime() - probedAt < PROBE_CACHE_NANOS) {
                return probed;
            }
        }
        boolean pcp = false;
        boolean pmp = false;
        boolean upnp = false;
        for (MappingClient c : clients) {
            boolean ok = c.probe();
            switch (c.protocol()) {
                case "pcp" -> pcp |= ok;
                case "nat-pmp" -> pmp |= ok;
                case "upnp" -> upnp |= ok;
                default -> {
                    // other protocols are not reported
                }
            }
        }
        Protocols p = new Protocols(upnp, pmp, pcp);
        synchronized (this) {
            probed = p;
            probedAt = clock.nanoTime();
        }
        return p;
    }

    /**
     * Maps {@code localPort} and keeps it mapped; {@code onMapped} gets the external address (null: lost). Calling
     * it again (the socket reopened, maybe on another port) replaces the port, listener and renewal.
     */
    public void start(int localPort, Consumer<InetSocketAddress> onMapped) {
        synchronized (this) {
            if (closed) {
                return;
            }
            port = localPort;
            listener = onMapped;
            if (renewal != null) {
                renewal.cancel(); // started again (the socket reopened): one renewal chain only
            }
        }
        renew();
    }

    /** The current mapping, or null. */
    public synchronized Mapping current() {
        return current;
    }

    private void renew() {
        MappingClient preferred;
        int p;
        synchronized (this) {
            if (closed) {
                return;
            }
            preferred = currentClient;
            p = port;
        }
        Mapping m = null;
        MappingClient used = null;
        List<MappingClient> order = new java.util.ArrayList<>(clients);
        if (preferred != null) {
            order.remove(preferred);
            order.addFirst(preferred);
        }
        for (MappingClient c : order) {
            try {
                m = c.map(p, LIFETIME_SECONDS);
                used = c;
                break;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0} mapping failed: {1}", c.protocol(), e.getMessage());
            }
        }
        Consumer<InetSocketAddress> l;
        boolean changed;
        synchronized (this) {
            if (closed) {
                deleteQuietly(used, m);
                return;
            }
            changed = m == null ? current != null : current == null || !current.external().equals(m.external());
            current = m;
            currentClient = used;
            l = listener;
            long half = m == null ? PROBE_CACHE_NANOS : m.lifetime().toNanos() / 2;
            renewal = scheduler.schedule(() -> Thread.ofVirtual().name("portmap-renew").start(this::renew), half);
        }
        if (changed && l != null) {
            l.accept(m == null ? null : m.external());
        }
    }

    private static void deleteQuietly(MappingClient c, Mapping m) {
        if (c == null || m == null) {
            return;
        }
        try {
            c.delete(m);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "deleting {0} mapping failed: {1}", c.protocol(), e.getMessage());
        }
    }

    /** Cancels renewal and deletes the mapping. */
    @Override
    public void close() {
        Mapping m;
        MappingClient c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (renewal != null) {
                renewal.cancel();
            }
            m = current;
            c = currentClient;
            current = null;
        }
        deleteQuietly(c, m);
    }
}
