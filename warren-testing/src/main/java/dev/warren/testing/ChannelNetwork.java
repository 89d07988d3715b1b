package dev.warren.testing;

import dev.warren.wire.datapath.Endpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * An in-memory UDP network for {@link ChannelBind}s: datagrams sent to an endpoint are delivered to the bind
 * listening there. Faults can be injected: a drop filter, duplication and reordering probabilities.
 */
public final class ChannelNetwork {
    final Map<Endpoint, ChannelBind.Socket> sockets = new ConcurrentHashMap<>();
    private volatile Predicate<byte[]> drop = b -> false;
    private volatile double duplicate;
    private volatile double reorder;

    /** Drops datagrams for which {@code filter} is true. */
    public void dropWhen(Predicate<byte[]> filter) {
        this.drop = filter;
    }

    public void duplicate(double probability) {
        this.duplicate = probability;
    }

    public void reorder(double probability) {
        this.reorder = probability;
    }

    /** A bind with the given address on this network. */
    public ChannelBind bind(byte[] address) {
        return new ChannelBind(this, address);
    }

    void deliver(Endpoint from, Endpoint to, byte[] datagram) {
        ChannelBind.Socket s = sockets.get(to);
        if (s == null || drop.test(datagram)) {
            return;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        s.enqueue(from, datagram, r.nextDouble() < reorder);
        if (r.nextDouble() < duplicate) {
            s.enqueue(from, datagram.clone(), false);
        }
    }
}
