package dev.warren.node;

import dev.warren.wire.datapath.Bind;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * What the node's data plane adds between the WireGuard engine and the network: the {@link Bind} the engine sends
 * through, and (optionally) the {@link PathProvider} and {@link EndpointSource} the backend asks. Magicsock
 * provides all three over the daemon's UDP bind; {@link #PLAIN} is today's node: the UDP bind itself and the
 * backend's built-in path and endpoint logic.
 *
 * @param bind      what the engine sends and receives through
 * @param paths     the path provider, or null for the built-in one
 * @param endpoints the endpoint source, or null for the built-in one
 * @param attach    called once with the backend after it is built (to read {@link NodeBackend#discoPrivateKey()}
 *                  and register {@link NodeBackend#onNetworkMap}); disco messages arriving before it may be dropped
 */
public record DataPlane(Bind bind, PathProvider paths, EndpointSource endpoints, Consumer<NodeBackend> attach) {
    public DataPlane {
        if (bind == null) {
            throw new IllegalArgumentException("a data plane needs a bind");
        }
        if (attach == null) {
            attach = b -> { };
        }
    }

    /** Builds the data plane over the daemon's UDP bind. */
    @FunctionalInterface
    public interface Factory {
        DataPlane create(Bind udp) throws IOException;
    }

    /** No data plane of its own: the UDP bind as is, the built-in path provider and endpoint source. */
    public static final Factory PLAIN = udp -> new DataPlane(udp, null, null, null);
}
