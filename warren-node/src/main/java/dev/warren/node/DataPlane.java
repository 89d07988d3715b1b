package dev.warren.node;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What the node's data plane adds between the WireGuard engine and the network: the {@link Bind} the engine sends
 * through, and (optionally) the {@link PathProvider}, {@link EndpointSource}, engine endpoints, disco key and
 * netcheck the backend asks. Magicsock provides all of them over the daemon's UDP bind
 * ({@code dev.warren.node.dataplane.MagicDataPlane}); {@link #PLAIN} is the node without NAT traversal: the UDP
 * bind itself and the backend's built-in path and endpoint logic.
 *
 * @param bind            what the engine sends and receives through
 * @param paths           the path provider, or null for the built-in one
 * @param endpoints       the endpoint source, or null for the built-in one
 * @param attach          called once with the backend after it is built (to register
 *                        {@link NodeBackend#onNetworkMap}); disco messages arriving before it may be dropped
 * @param engineEndpoints the WireGuard endpoint of each peer, or null to let the node choose one of the endpoints
 *                        control reported (per peer too: a null answer means the same)
 * @param discoKey        the disco private key the data plane seals with, announced to control by the backend;
 *                        null = the backend makes one
 * @param netcheck        runs a netcheck, or null when the data plane has none
 * @param onClose         called when the node closes, after the engine (closes sockets, relay links, timers);
 *                        may be null
 */
public record DataPlane(Bind bind, PathProvider paths, EndpointSource endpoints, Consumer<NodeBackend> attach,
                        EngineEndpoints engineEndpoints, PrivateKey discoKey, Netcheck netcheck, Runnable onClose) {
    public DataPlane {
        if (bind == null) {
            throw new IllegalArgumentException("a data plane needs a bind");
        }
        if (attach == null) {
            attach = b -> { };
        }
        if (onClose == null) {
            onClose = () -> { };
        }
    }

    /** A data plane that leaves engine endpoints, the disco key and netcheck to the node. */
    public DataPlane(Bind bind, PathProvider paths, EndpointSource endpoints, Consumer<NodeBackend> attach) {
        this(bind, paths, endpoints, attach, null, null, null, null);
    }

    /** The data plane's choice of WireGuard endpoint for a peer. Called with the backend's lock held: be quick. */
    @FunctionalInterface
    public interface EngineEndpoints {
        /** The endpoint to configure for {@code peer}, or null to let the node choose from control's list. */
        Endpoint endpointOf(NodeKey peer);
    }

    /** {@code warren netcheck}: a report on this host's connectivity. */
    @FunctionalInterface
    public interface Netcheck {
        /**
         * Runs a netcheck now and returns its report as a JSON object.
         *
         * @throws IOException when it cannot run or does not finish within {@code timeout}, with a message
         */
        String run(Duration timeout) throws IOException;
    }

    /** What the daemon hands a factory. */
    public record Context(Bind udp, String tunName, Clock clock, Scheduler scheduler) {
    }

    /** Builds the data plane over the daemon's UDP bind. */
    @FunctionalInterface
    public interface Factory {
        DataPlane create(Context context) throws IOException;
    }

    /** No data plane of its own: the UDP bind as is, the built-in path provider and endpoint source. */
    public static final Factory PLAIN = ctx -> new DataPlane(ctx.udp(), null, null, null);
}
