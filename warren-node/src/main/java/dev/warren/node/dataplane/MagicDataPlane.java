package dev.warren.node.dataplane;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.MagicSock;
import dev.warren.magicsock.PathInfo;
import dev.warren.magicsock.PeerSpec;
import dev.warren.magicsock.PingResult;
import dev.warren.magicsock.disco.DiscoBox;
import dev.warren.magicsock.netcheck.NetcheckReport;
import dev.warren.magicsock.portmap.PortMapper;
import dev.warren.magicsock.relay.RelayLinks;
import dev.warren.node.DataPlane;
import dev.warren.node.EndpointSource;
import dev.warren.node.NetworkMap;
import dev.warren.node.NodeBackend;
import dev.warren.node.PathProvider;
import dev.warren.node.PeerPath;
import dev.warren.node.PingReply;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The node's magicsock data plane: a {@link MagicSock} over the daemon's UDP bind, with relay links over the real
 * relay client, plugged into the backend's seams.
 *
 * <pre>
 * engine ── MagicBind ── MagicSock ──┬── UDP bind (WireGuard, disco, STUN)
 *                                     └── NodeKeyRelayLinks ── RelayClientLinks for the current node key ──
 *                                                              RelayClient per region (TCP/TLS to relays)
 * backend network map → setSelf (our node key) + relay links' key → setRelayMap (when changed) → setPeers
 *                       (node key, disco key, home relay, endpoints of every peer with a disco key)
 * engine endpoint of a peer  = MagicSock.endpointOf (its synthetic [100::id]:1); peers without a disco key (older
 *                              nodes) get control's endpoint as in the plain node
 * status PATH / warren ping  = MagicSock.pathOf / ping
 * endpoints to control       = MagicSock.localEndpoints / homeRelay, pushed on their listeners
 * warren netcheck            = MagicSock.netcheck, as JSON
 * network change             = a {@link NetworkMonitor} (address or default route change) → networkChanged
 * </pre>
 * One disco key: made here, sealed with by magicsock and announced by the backend ({@link DataPlane#discoKey()}).
 *
 * <p>Threads: the network-map listener runs on the backend's thread with its lock held and only calls
 * magicsock's non-blocking setters; the endpoint listener is a volatile field called from magicsock's threads;
 * {@code lastRelayMap} is only touched by the network-map listener, which the backend calls serially.
 */
public final class MagicDataPlane {
    private static final System.Logger LOG = System.getLogger("warren.node");
    /** How often the network monitor looks at addresses and routes. */
    public static final Duration NETWORK_POLL = Duration.ofSeconds(2);

    /**
     * How the data plane is built.
     *
     * @param localAddresses the addresses magicsock offers as endpoints, null = the host's interfaces without the
     *                       TUN ({@link MagicSock#interfaceAddresses})
     * @param relays         the relay links, null = {@link dev.warren.magicsock.relay.RelayClientLinks} for the
     *                       node's current node key ({@link NodeKeyRelayLinks}), with the JDK's TLS trust
     * @param portMapping    whether to try PCP / NAT-PMP / UPnP on the default gateway
     * @param watchNetwork   whether to run a {@link NetworkMonitor}
     * @param networkState   what the monitor compares, null = the host's addresses and default routes
     *                       ({@link NetworkMonitor#hostState}); tests give their own
     */
    public record Options(Supplier<List<InetAddress>> localAddresses, RelayLinks relays, boolean portMapping,
                          boolean watchNetwork, Supplier<?> networkState) {
        /** What {@code warren node} uses: real interfaces, real relays, port mapping (unless told not to), network monitor. */
        public static Options daemon(boolean portMapping) {
            return new Options(null, null, portMapping, true, null);
        }
    }

    private final MagicSock sock;
    private final NodeKeyRelayLinks clientLinks;
    private final NetworkMonitor monitor;
    private final PrivateKey discoKey;
    private volatile Runnable endpointListener = () -> { };
    // only touched by the network-map listener (called serially by the backend)
    private RelayMap lastRelayMap;

    private MagicDataPlane(DataPlane.Context ctx, Options o) {
        this.discoKey = X25519.generatePrivateKey();
        RelayLinks links = o.relays();
        if (links == null) {
            clientLinks = new NodeKeyRelayLinks((SSLContext) null, ctx.clock(), ctx.scheduler());
            links = clientLinks;
        } else {
            clientLinks = null;
        }
        Supplier<List<InetAddress>> local = o.localAddresses() != null ? o.localAddresses()
                : () -> MagicSock.interfaceAddresses(ctx.tunName());
        PortMapper pm = null;
        if (o.portMapping()) {
            InetAddress gw = PortMapper.defaultGateway();
            if (gw != null) {
                pm = PortMapper.forGateway(gw, ctx.clock(), ctx.scheduler());
            }
        }
        this.sock = new MagicSock(new MagicSock.Config(null, ctx.udp(), links, ctx.clock(), ctx.scheduler(), local,
                pm, new DiscoBox(discoKey)));
        sock.onEndpointsChanged(eps -> endpointListener.run());
        sock.onHomeRelayChanged(h -> endpointListener.run());
        this.monitor = o.watchNetwork() ? NetworkMonitor.start(o.networkState() != null ? o.networkState()
                : NetworkMonitor.hostState(ctx.tunName()), sock::networkChanged, ctx.scheduler(), NETWORK_POLL) : null;
    }

    /** The factory {@code warren node} passes to the daemon. */
    public static DataPlane.Factory factory(Options o) {
        return ctx -> create(ctx, o).dataPlane();
    }

    /** Builds the data plane (tests keep the object to reach its magicsock). */
    public static MagicDataPlane create(DataPlane.Context ctx, Options o) {
        return new MagicDataPlane(ctx, o);
    }

    /** The regions with an open relay link (tests); empty with links given in the options. */
    public List<Integer> openRelayRegions() {
        return clientLinks == null ? List.of() : clientLinks.openRegions();
    }

    /** The magicsock underneath. */
    public MagicSock magicSock() {
        return sock;
    }

    /** The backend's view of it. */
    public DataPlane dataPlane() {
        return new DataPlane(sock.bind(), new Paths(), new Endpoints(), this::attach, sock::endpointOf, discoKey,
                this::netcheck, this::close);
    }

    private void attach(NodeBackend backend) {
        backend.onNetworkMap(map -> apply(map, backend.nodePrivateKey()));
    }

    /** One network map: key, relay map, peers. Runs on the backend's thread under its lock. */
    void apply(NetworkMap map, PrivateKey nodeKey) {
        if (clientLinks != null) {
            clientLinks.setPrivateKey(nodeKey);
        }
        NodeKey self = nodeKey == null ? null : NodeKey.of(X25519.publicKey(nodeKey));
        sock.setSelf(self);
        if (!map.relayMap().equals(lastRelayMap)) {
            lastRelayMap = map.relayMap();
            sock.setRelayMap(map.relayMap());
        }
        sock.setPeers(self == null ? List.of() : specs(map.peers(), self));
    }

    /** The peers magicsock can handle: a node key that is not ours, a disco key; endpoints that parse. */
    static List<PeerSpec> specs(List<Node> peers, NodeKey self) {
        List<PeerSpec> out = new ArrayList<>();
        Set<NodeKey> seen = new HashSet<>();
        for (Node n : peers) {
            if (n.key() == null || n.discoKey() == null || n.key().equals(self) || !seen.add(n.key())) {
                continue;
            }
            List<InetSocketAddress> eps = new ArrayList<>();
            for (String s : n.endpoints() == null ? List.<String>of() : n.endpoints()) {
                try {
                    InetSocketAddress a = Endpoint.parse(s).toInetSocketAddress();
                    if (a.getPort() != 0) {
                        eps.add(a);
                    }
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.DEBUG, "peer {0}: endpoint {1} skipped: {2}", n.name(), s,
                            e.getMessage());
                }
            }
            out.add(new PeerSpec(n.key(), n.discoKey(), n.homeRelay(), eps));
        }
        return out;
    }

    private String netcheck(Duration timeout) throws IOException {
        try {
            NetcheckReport r = sock.netcheck().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return r.toJson();
        } catch (TimeoutException e) {
            throw new IOException("netcheck did not finish within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IOException("netcheck failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void close() {
        if (monitor != null) {
            monitor.close();
        }
        sock.close();
    }

    /** magicsock's paths as status and ping show them. */
    private final class Paths implements PathProvider {
        @Override
        public PeerPath pathOf(NodeKey peer) {
            return toPath(sock.pathOf(peer));
        }

        @Override
        public PingReply discoPing(NodeKey peer, Duration timeout) throws IOException {
            try {
                PingResult r = sock.ping(peer, timeout).get(timeout.toNanos() + 1_000_000_000L, TimeUnit.NANOSECONDS);
                PeerPath path;
                String address;
                if (r.direct() != null) {
                    address = Endpoint.of(r.direct()).toString();
                    path = new PeerPath.Direct(address);
                } else {
                    PathInfo pi = sock.pathOf(peer);
                    int region = pi == null ? 0 : pi.relayRegion();
                    path = new PeerPath.Relay(region, r.relayCode());
                    address = path.text();
                }
                return new PingReply(true, r.latency().toNanos() / 1e6, path, address, null);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TimeoutException) {
                    return PingReply.failed(peer.shortString(), "no pong within " + timeout.toMillis() + " ms");
                }
                throw new IOException("cannot ping " + peer.shortString() + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                return PingReply.failed(peer.shortString(), "no pong within " + timeout.toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    static PeerPath toPath(PathInfo pi) {
        if (pi == null) {
            return PeerPath.NONE;
        }
        if (pi.direct() != null) {
            return new PeerPath.Direct(Endpoint.of(pi.direct()).toString());
        }
        return pi.relayRegion() != 0 ? new PeerPath.Relay(pi.relayRegion(), pi.relayCode()) : PeerPath.NONE;
    }

    /** magicsock's endpoints and home relay for control. */
    private final class Endpoints implements EndpointSource {
        @Override
        public List<String> endpoints() {
            return sock.localEndpoints().stream().map(a -> Endpoint.of(a).toString()).toList();
        }

        @Override
        public int homeRelay() {
            return sock.homeRelay();
        }

        @Override
        public void onChange(Runnable listener) {
            endpointListener = listener;
        }
    }
}
