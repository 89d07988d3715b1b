package dev.warren.control.internal.state;

import dev.warren.policy.PolicyNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the policy compiler knows of a node, made from the state's {@link NodeEntry}: its id, name, user login, tags
 * and addresses. Every node of a domain is in its compiled policy, visible or not (approval and key expiry decide
 * visibility in the map streamer, on top of the policy), so approving or expiring a node never recompiles anything.
 *
 * <p>Stateless.
 */
public final class PolicyNodes {
    private PolicyNodes() {
    }

    public static PolicyNode of(NodeEntry e) {
        return new PolicyNode(e.id(), e.row().name(), e.userLogin(), e.row().tags(), e.wire().addresses());
    }

    /** True when {@code a} and {@code b} (either may be null: absent) differ in what the policy compiler sees. */
    static boolean differ(NodeEntry a, NodeEntry b) {
        if (a == null || b == null) {
            return a != b;
        }
        return !a.row().name().equals(b.row().name()) || !Objects.equals(a.userLogin(), b.userLogin())
                || !a.row().tags().equals(b.row().tags()) || a.row().addressIndex() != b.row().addressIndex();
    }

    /** The nodes of domain {@code domainId} in {@code s}, as the compiler sees them. O(nodes). */
    public static List<PolicyNode> ofDomain(Snapshot s, long domainId) {
        List<PolicyNode> out = new ArrayList<>();
        for (NodeEntry e : s.nodes().values()) {
            if (e.domainId() == domainId) {
                out.add(of(e));
            }
        }
        return out;
    }
}
