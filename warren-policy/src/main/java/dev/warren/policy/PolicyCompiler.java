package dev.warren.policy;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;

/**
 * Compiles a policy over a set of nodes into a {@link CompiledPolicy}. Cost: one scan of the nodes per distinct
 * alias, one compressed source list per distinct source list, one filter per node built from the rules indexed by
 * destination, and a bit-matrix transpose for peer visibility. Pure and thread-safe.
 */
public final class PolicyCompiler {
    private PolicyCompiler() {
    }

    /**
     * @throws IllegalArgumentException when two nodes share an id
     */
    public static CompiledPolicy compile(Policy policy, Collection<PolicyNode> nodes) {
        PolicyNode[] layout = nodes.toArray(new PolicyNode[0]);
        Arrays.sort(layout, Comparator.comparingLong(PolicyNode::id));
        return new CompiledPolicy(State.compile(policy, layout));
    }
}
