package dev.warren.node;

import java.util.List;

/**
 * What this node tells control about how to reach it: its candidate underlay endpoints and its home relay. Magicsock
 * implements it (local interface addresses, STUN-discovered public endpoints, port-mapped endpoints, the region
 * netcheck found fastest); the node's built-in implementation lists the host's addresses with the WireGuard port
 * and no home relay.
 *
 * <p>The node reads both in every MapRequest, re-reads them on its endpoint poll (every
 * {@link NodeBackend#ENDPOINT_POLL}), and — when the source calls the listener given to {@link #onChange} —
 * at once, sending control an UpdateRequest with whatever changed.
 *
 * <p>Threads: the methods may be called from any thread; the change listener may be called from any thread and
 * returns quickly (the node sends the update on its own thread).
 */
public interface EndpointSource {
    /** The current candidate endpoints ("ip:port", "[v6]:port"), best first; may be empty. */
    List<String> endpoints();

    /** The current home relay region id, 0 for none. */
    int homeRelay();

    /** Registers the listener to call whenever {@link #endpoints} or {@link #homeRelay} changed; replaces a previous one. */
    void onChange(Runnable listener);
}
