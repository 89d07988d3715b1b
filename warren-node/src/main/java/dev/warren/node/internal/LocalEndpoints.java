package dev.warren.node.internal;

import dev.warren.node.EndpointSource;
import dev.warren.node.LocalAddressSource;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The node's built-in {@link EndpointSource}, used without magicsock: every address of the host's interfaces with
 * the WireGuard listen port, and no home relay. It has no way to notice changes by itself, so it never calls its
 * change listener; the node's periodic endpoint poll finds address changes.
 *
 * <p>Stateless; thread-safe as long as {@code addresses} and {@code port} are.
 */
public final class LocalEndpoints implements EndpointSource {
    private final LocalAddressSource addresses;
    private final IntSupplier port;

    public LocalEndpoints(LocalAddressSource addresses, IntSupplier port) {
        this.addresses = addresses;
        this.port = port;
    }

    @Override
    public List<String> endpoints() {
        int p = port.getAsInt();
        List<String> eps = new ArrayList<>();
        if (p != 0) {
            for (InetAddress a : addresses.addresses()) {
                eps.add(LocalAddresses.endpoint(a, p));
            }
        }
        return eps;
    }

    @Override
    public int homeRelay() {
        return 0;
    }

    @Override
    public void onChange(Runnable listener) {
        // no change events of its own: see the class comment
    }
}
