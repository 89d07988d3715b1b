package dev.warren.policy;

import dev.warren.wire.filter.FilterRule;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * A policy compiled over a set of nodes: per node, its inbound packet filter and the peers it may see. Immutable;
 * safe to read from many threads. {@link #update} and {@link #withPolicy} return new instances.
 */
public final class CompiledPolicy {
    CompiledPolicy() {
    }

    public Policy policy() {
        throw new UnsupportedOperationException("API skeleton");
    }

    /** The node's inbound filter (rules whose destination is its addresses); empty = deny all; unknown id: empty. */
    public List<FilterRule> filterFor(long nodeId) {
        throw new UnsupportedOperationException("API skeleton");
    }

    /** Sorted ids of the nodes it may see (traffic allowed in either direction). */
    public long[] peersOf(long nodeId) {
        throw new UnsupportedOperationException("API skeleton");
    }

    public boolean canSee(long a, long b) {
        throw new UnsupportedOperationException("API skeleton");
    }

    /** Nodes added or changed, and removed; reports which nodes' filter or peer set changed. */
    public Update update(Collection<PolicyNode> upserted, Collection<Long> removed) {
        throw new UnsupportedOperationException("API skeleton");
    }

    /** The same nodes under a new policy, with the nodes whose filter or peers differ. */
    public Update withPolicy(Policy next) {
        throw new UnsupportedOperationException("API skeleton");
    }

    /**
     * The result of an incremental change.
     *
     * @param next          the new compiled policy
     * @param filterChanged nodes whose filter differs from before (including removed nodes that had one)
     * @param peersChanged  nodes whose peer set differs from before
     */
    public record Update(CompiledPolicy next, Set<Long> filterChanged, Set<Long> peersChanged) {
    }
}
