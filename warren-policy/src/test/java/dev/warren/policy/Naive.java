package dev.warren.policy;

import dev.warren.policy.internal.Alias;
import dev.warren.policy.internal.Model;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A deliberately simple evaluator that interprets the validated policy per packet, with its own alias semantics
 * written out from FIELD.md §7 (not the compiler's Matcher), and a reference packet matcher for compiled filters.
 * The differential tests compare the compiler against these.
 */
final class Naive {
    private Naive() {
    }

    static final List<Integer> PORTED = List.of(6, 17, 132);

    /** Whether the policy allows a packet from srcAddr to dstAddr (an address of dstNode). */
    static boolean allowed(Model m, Collection<PolicyNode> nodes, byte[] srcAddr, PolicyNode dstNode, byte[] dstAddr,
                           int proto, int port) {
        PolicyNode srcNode = owner(nodes, srcAddr);
        for (Model.Rule r : m.rules()) {
            List<Integer> protos = r.protocols().isEmpty() ? List.of(6, 17, 1, 58) : r.protocols();
            if (!protos.contains(proto)) {
                continue;
            }
            boolean srcOk = false;
            for (Alias a : r.srcs()) {
                srcOk |= srcMatches(a, srcNode, srcAddr);
            }
            if (!srcOk) {
                continue;
            }
            for (Model.Dst d : r.dsts()) {
                boolean portOk = !PORTED.contains(proto)
                        || d.ports().stream().anyMatch(p -> port >= p.first() && port <= p.last());
                if (portOk && dstMatches(d.alias(), srcNode, dstNode, dstAddr)) {
                    return true;
                }
            }
        }
        return false;
    }

    static PolicyNode owner(Collection<PolicyNode> nodes, byte[] addr) {
        for (PolicyNode n : nodes) {
            for (IpPrefix a : n.addresses()) {
                if (Arrays.equals(a.address(), addr)) {
                    return n;
                }
            }
        }
        return null;
    }

    private static boolean isUser(PolicyNode n, String login) {
        if (n == null || !n.tags().isEmpty()) {
            return false;
        }
        if (login.endsWith("@")) {
            return n.user().equals(login.substring(0, login.length() - 1)) || n.user().startsWith(login);
        }
        return n.user().equals(login);
    }

    private static boolean identity(Alias a, PolicyNode n) {
        if (n == null) {
            return false;
        }
        return switch (a) {
            case Alias.User u -> isUser(n, u.login());
            case Alias.Group g -> g.members().stream().anyMatch(u -> isUser(n, u.login()));
            case Alias.Tag t -> n.tags().contains(t.name());
            case Alias.Auto au -> switch (au.kind()) {
                case MEMBER -> n.tags().isEmpty();
                case TAGGED -> !n.tags().isEmpty();
                default -> false;
            };
            default -> false;
        };
    }

    private static boolean srcMatches(Alias a, PolicyNode srcNode, byte[] addr) {
        return switch (a) {
            case Alias.Any any -> true;
            case Alias.Auto au when au.kind() == Alias.AutoKind.DANGER_ALL -> true;
            case Alias.Prefix p -> p.prefix().contains(addr, 0, addr.length);
            default -> identity(a, srcNode);
        };
    }

    private static boolean dstMatches(Alias a, PolicyNode srcNode, PolicyNode dstNode, byte[] dstAddr) {
        return switch (a) {
            case Alias.Any any -> true;
            case Alias.Prefix p -> p.prefix().contains(dstAddr, 0, dstAddr.length);
            case Alias.Auto au when au.kind() == Alias.AutoKind.SELF -> srcNode != null && srcNode.tags().isEmpty()
                    && dstNode.tags().isEmpty() && srcNode.user().equals(dstNode.user());
            case Alias.Auto au when au.kind() == Alias.AutoKind.INTERNET -> false;
            default -> identity(a, dstNode);
        };
    }

    /** Whether any packet (any addresses, protocol, port) from a to b is allowed, rule by rule. */
    static boolean reaches(Model m, Collection<PolicyNode> nodes, PolicyNode a, PolicyNode b) {
        if (a.id() == b.id()) {
            return false;
        }
        for (IpPrefix sa : a.addresses()) {
            for (IpPrefix da : b.addresses()) {
                for (Model.Rule r : m.rules()) {
                    int proto = r.protocols().isEmpty() ? 6 : r.protocols().getFirst();
                    for (Model.Dst d : r.dsts()) {
                        for (Model.Ports p : d.ports()) {
                            Model.Rule only = new Model.Rule(r.origin(), r.srcs(), List.of(proto), List.of(
                                    new Model.Dst(d.alias(), List.of(p), d.text())), r.self());
                            Model one = new Model(m.groups(), m.hosts(), m.tagOwners(), List.of(only), List.of(), 0, 0);
                            if (allowed(one, nodes, sa.address(), b, da.address(), proto, p.first())) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
        return false;
    }

    /** The reference packet match of a compiled filter: some rule's source, protocol, address and port match. */
    static boolean filterAllows(List<FilterRule> filter, byte[] src, byte[] dst, int proto, int port) {
        for (FilterRule r : filter) {
            if (!r.effectiveProtocols().contains(proto)) {
                continue;
            }
            if (r.sources().stream().noneMatch(p -> p.contains(src, 0, src.length))) {
                continue;
            }
            for (PortRange d : r.destinations()) {
                if (d.prefix().contains(dst, 0, dst.length) && (!PORTED.contains(proto) || d.containsPort(port))) {
                    return true;
                }
            }
        }
        return false;
    }
}
