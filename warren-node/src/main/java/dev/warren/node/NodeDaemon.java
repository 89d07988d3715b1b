package dev.warren.node;

import dev.warren.net.tun.LinuxTun;
import dev.warren.net.udp.Binds;
import dev.warren.node.internal.IpCommand;
import dev.warren.node.internal.LocalAddresses;
import dev.warren.node.internal.LocalApiServer;
import dev.warren.wire.time.ExecutorScheduler;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warren node}: the node on a real Linux TUN device.
 *
 * <pre>
 * start
 * 1. create TUN {@code tunName}; MTU {@link #MTU}, link up, routes for 100.64.0.0/10 and fd7a:115c:a1e0::/48
 * 2. open the UDP bind on {@code listenPort}, put the {@link DataPlane} over it (magicsock for {@code warren node},
 *    see {@code dev.warren.node.dataplane.MagicDataPlane}; {@link DataPlane#PLAIN} with {@code --no-magicsock})
 *    and start the {@link NodeBackend} (the engine) on it
 * 3. serve the local API on {@code socketPath} (0600)
 * 4. resume the previous login if the state directory holds one and the node was not taken down
 * close (SIGINT/SIGTERM through the CLI's shutdown hook)
 * 5. stop serving and remove the socket, stop the control session, close the engine, which deletes the TUN
 * </pre>
 * Own addresses are put on the interface by an {@link AddressConfigurer} that runs {@code ip addr} whenever the
 * network map changes them.
 *
 * <p>MTU 1280: like Tailscale, the IPv6 minimum, so that the tunnel works over any path (1280 + 80 bytes of IPv6,
 * UDP and WireGuard overhead fits a 1360-byte path, e.g. PPPoE or another tunnel), at a small cost in throughput.
 */
public final class NodeDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.node");
    public static final int MTU = 1280;

    private final NodeConfig config;
    private final LinuxTun tun;
    private final ExecutorScheduler scheduler;
    private final NodeBackend backend;
    private final LocalApiServer api;
    private final CountDownLatch closed = new CountDownLatch(1);

    private NodeDaemon(NodeConfig config, LinuxTun tun, ExecutorScheduler scheduler, NodeBackend backend,
                       LocalApiServer api) {
        this.config = config;
        this.tun = tun;
        this.scheduler = scheduler;
        this.backend = backend;
        this.api = api;
    }

    /** Starts the daemon with the network control transport and the plain data plane (no magicsock). */
    public static NodeDaemon start(NodeConfig cfg) throws IOException {
        return start(cfg, ControlTransport.dialers(), ControlTransport.serverKeys());
    }

    /** Starts the daemon with the network control transport and the given data plane. */
    public static NodeDaemon start(NodeConfig cfg, DataPlane.Factory dataPlane) throws IOException {
        return start(cfg, ControlTransport.dialers(), ControlTransport.serverKeys(), dataPlane);
    }

    /** Starts the daemon with the given control transport (tests, other transports). */
    public static NodeDaemon start(NodeConfig cfg, ControlDialerFactory dialers, ServerKeyFetcher serverKeys)
            throws IOException {
        return start(cfg, dialers, serverKeys, DataPlane.PLAIN);
    }

    /** Starts the daemon with the given control transport and data plane (magicsock over the UDP bind). */
    public static NodeDaemon start(NodeConfig cfg, ControlDialerFactory dialers, ServerKeyFetcher serverKeys,
                                   DataPlane.Factory dataPlane) throws IOException {
        LinuxTun tun;
        try {
            tun = LinuxTun.create(cfg.tunName(), true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot create TUN device " + cfg.tunName() + ": " + e.getMessage()
                    + " (the node needs root or CAP_NET_ADMIN and /dev/net/tun)", e);
        }
        IpCommand ip = new IpCommand(tun.name());
        ExecutorScheduler scheduler = null;
        NodeBackend backend = null;
        try {
            ip.linkUp(MTU);
            scheduler = new ExecutorScheduler("warren-timers");
            DataPlane plane = dataPlane.create(new DataPlane.Context(Binds.create(), tun.name(), cfg.clock(),
                    scheduler));
            try {
                backend = new NodeBackend(cfg.stateDir(), cfg.listenPort(), tun, dialers, serverKeys, cfg.clock(),
                        scheduler, ip::setAddresses, () -> LocalAddresses.list(tun.name()), plane);
            } catch (IOException | RuntimeException e) {
                plane.onClose().run();
                throw e;
            }
            plane.attach().accept(backend);
            LocalApiServer api = LocalApiServer.start(cfg.socketPath(), backend);
            NodeDaemon d = new NodeDaemon(cfg, tun, scheduler, backend, api);
            if (backend.resume()) {
                LOG.log(System.Logger.Level.INFO, "resuming the login to {0}", backend.status().loginServer());
            }
            return d;
        } catch (IOException | RuntimeException e) {
            if (backend != null) {
                backend.close();
            } else {
                tun.close();
            }
            if (scheduler != null) {
                scheduler.close();
            }
            throw e;
        }
    }

    public NodeBackend backend() {
        return backend;
    }

    public NodeConfig config() {
        return config;
    }

    /** The TUN interface's name as the kernel gave it. */
    public String interfaceName() {
        return tun.name();
    }

    /** Blocks until {@link #close} or until the engine stops (e.g. the interface was deleted). */
    public void awaitTermination() throws InterruptedException {
        backend.device().closed().whenComplete((v, e) -> closed.countDown());
        closed.await();
    }

    @Override
    public void close() {
        api.close();
        backend.close();
        scheduler.close();
        closed.countDown();
    }
}
