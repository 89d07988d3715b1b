package dev.warren.node;

import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.util.List;

/**
 * Puts the node's own Warren addresses on its interface (the daemon runs {@code ip addr}); called with the
 * previous and the new list whenever the network map changes them, from the control thread.
 */
@FunctionalInterface
public interface AddressConfigurer {
    AddressConfigurer NONE = (before, after) -> { };

    void configure(List<IpPrefix> before, List<IpPrefix> after) throws IOException;
}
