package dev.warren.policy;

import java.util.Collection;

/** Compiles a policy over a set of nodes. */
public final class PolicyCompiler {
    private PolicyCompiler() {
    }

    public static CompiledPolicy compile(Policy policy, Collection<PolicyNode> nodes) {
        throw new UnsupportedOperationException("API skeleton");
    }
}
