package dev.warren.policy;

import dev.warren.wire.filter.FilterRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A policy compiled over a set of nodes: per node, its inbound packet filter (the {@link FilterRule}s whose
 * destinations are its addresses; empty = deny all) and the peers it may see (traffic allowed in at least one
 * direction, as Tailscale puts a peer in the netmap).
 *
 * <p>Immutable; safe to read from many threads. {@link #update} and {@link #withPolicy} return new instances that
 * share every unchanged row with this one, so an update costs time and memory in proportion to what it changes
 * (plus a shallow copy of the per-node arrays), not a full compile. See {@link State} for the representation.
 */
public final class CompiledPolicy {
    private final State state;

    CompiledPolicy(State state) {
        this.state = state;
    }

    State state() {
        return state;
    }

    public Policy policy() {
        return state.policy;
    }

    /** The node's inbound filter (rules whose destination is its addresses); empty = deny all; unknown id: empty. */
    public List<FilterRule> filterFor(long nodeId) {
        int slot = state.index.get(nodeId);
        return slot < 0 ? List.of() : state.filters[slot];
    }

    /** Sorted ids of the nodes it may see (traffic allowed in either direction); unknown id: empty. */
    public long[] peersOf(long nodeId) {
        int slot = state.index.get(nodeId);
        if (slot < 0) {
            return new long[0];
        }
        long[][] row = state.peers[slot];
        long[] out = new long[ChunkedBits.cardinality(row)];
        int k = 0;
        for (int b = ChunkedBits.next(row, 0); b >= 0; b = ChunkedBits.next(row, b + 1)) {
            out[k++] = state.slots[b].id();
        }
        Arrays.sort(out);
        return out;
    }

    /** Whether a and b see each other (symmetric; false for unknown ids and for a == b). */
    public boolean canSee(long a, long b) {
        int sa = state.index.get(a);
        int sb = state.index.get(b);
        return sa >= 0 && sb >= 0 && ChunkedBits.get(state.peers[sa], sb);
    }

    /** The ids of the compiled nodes, sorted. */
    public long[] nodeIds() {
        long[] ids = state.index.keys();
        Arrays.sort(ids);
        return ids;
    }

    /**
     * Applies nodes added or changed ({@code upserted}, by id) and removed (ids; unknown ids are ignored). Reports
     * the nodes whose {@link #filterFor} or {@link #peersOf} answer differs between this and the result —
     * including removed nodes that had a non-empty filter or peer set.
     *
     * @throws IllegalArgumentException when an id is both upserted and removed, or upserted twice
     */
    public Update update(Collection<PolicyNode> upserted, Collection<Long> removed) {
        return Incremental.apply(this, upserted, removed, PeerReport.ALL);
    }

    /**
     * {@link #update(Collection, Collection)} that reports peer-set changes only for the ids {@code peers} asks
     * about: {@link Update#next()} and {@link Update#filterChanged()} are the same as the full variant's, and
     * {@link Update#peersChanged()} is exactly the asked ids (present before or after, or neither) whose
     * {@link #peersOf} answer differs. The peer matrix is updated as before; what is skipped is comparing every
     * touched node's old and new peer row and collecting their ids — under a broad policy such as allow-all that
     * is every node of the domain on every change, which a caller that reconciles other nodes' peer lists
     * pairwise ({@link #canSee}) does not need.
     *
     * @throws IllegalArgumentException when an id is both upserted and removed, or upserted twice
     */
    public Update update(Collection<PolicyNode> upserted, Collection<Long> removed, PeerReport peers) {
        return Incremental.apply(this, upserted, removed, Objects.requireNonNull(peers, "peers"));
    }

    /** The same nodes under a new policy, with the nodes whose filter or peers differ from this one's. */
    public Update withPolicy(Policy next) {
        State s = State.compile(next, state.slots);
        Set<Long> filterChanged = new HashSet<>();
        Set<Long> peersChanged = new HashSet<>();
        for (int i = 0; i < state.slots.length; i++) {
            PolicyNode n = state.slots[i];
            if (n == null) {
                continue;
            }
            if (!State.sameFilter(state.filters[i], s.filters[i])) {
                filterChanged.add(n.id());
            }
            if (!ChunkedBits.same(state.peers[i], s.peers[i])) {
                peersChanged.add(n.id());
            }
        }
        return new Update(new CompiledPolicy(s), Set.copyOf(filterChanged), Set.copyOf(peersChanged));
    }

    /** All nodes, in slot order (for recompiling). */
    List<PolicyNode> nodes() {
        List<PolicyNode> out = new ArrayList<>(state.index.size());
        for (PolicyNode n : state.slots) {
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "CompiledPolicy[" + state.policy.fileName() + ", " + state.index.size() + " nodes]";
    }

    /**
     * Which nodes an {@link #update(Collection, Collection, PeerReport) update} reports peer-set changes for:
     * {@link #ALL} (every node whose peers changed) or {@link #only} the given ids.
     */
    public sealed interface PeerReport {
        /** Report every node whose peer set changed (what {@link #update(Collection, Collection)} does). */
        PeerReport ALL = new All();

        /** Report peer-set changes only for these ids (copied; may be empty, may name unknown ids). */
        static PeerReport only(Collection<Long> ids) {
            return new Only(Set.copyOf(ids));
        }

        /** Every node. */
        record All() implements PeerReport {
        }

        /** Only the nodes in {@code ids}. */
        record Only(Set<Long> ids) implements PeerReport {
            public Only {
                ids = Set.copyOf(ids);
            }
        }
    }

    /**
     * The result of an incremental change.
     *
     * @param next          the new compiled policy
     * @param filterChanged nodes whose filter differs from before (including removed nodes that had one)
     * @param peersChanged  nodes whose peer set differs from before (including removed nodes that had peers)
     */
    public record Update(CompiledPolicy next, Set<Long> filterChanged, Set<Long> peersChanged) {
        public Update {
            filterChanged = Set.copyOf(filterChanged);
            peersChanged = Set.copyOf(peersChanged);
        }
    }
}
