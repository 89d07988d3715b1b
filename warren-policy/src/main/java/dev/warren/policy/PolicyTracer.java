package dev.warren.policy;

import dev.warren.policy.internal.Hints;
import dev.warren.policy.internal.Matcher;
import dev.warren.policy.internal.Model;
import dev.warren.policy.internal.Protocols;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Explains a packet: resolves the source (node name, user login, tag, or IP) and destination (node name or IP) to
 * addresses, runs the destination node's compiled filter on the packet exactly as the node would (first matching
 * rule wins; no match = denied), and, when denied, lists the rules that came close — filter rules that match the
 * source but not the port or protocol (or the reverse), and policy rules whose sources name the source node but
 * whose destinations do not include the destination node. Pure and thread-safe.
 */
public final class PolicyTracer {
    /** At most this many near misses are reported. */
    public static final int MAX_NEAR_MISSES = 8;

    private PolicyTracer() {
    }

    /**
     * @param compiled the compiled policy (its nodes should be {@code nodes})
     * @param nodes    the domain's nodes, for resolving names, users and tags
     * @param src      node name, user login, tag, or IP
     * @param dst      node name or IP
     * @param port     destination port (ignored for protocols without ports)
     * @param proto    protocol name or number; null means tcp
     * @throws PolicyException when src, dst or proto names nothing known (with a hint)
     */
    public static Trace trace(CompiledPolicy compiled, Collection<PolicyNode> nodes, String src, String dst,
                              int port, String proto) throws PolicyException {
        List<PolicyNode> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparingLong(PolicyNode::id));
        if (port < 0 || port > PortRange.MAX_PORT) {
            throw error("port", "port " + port + " is not within 0-65535", null);
        }
        // destination
        PolicyNode dstNode;
        byte[] dstIp = IpAddresses.tryParse(strip(dst));
        if (dstIp != null) {
            dstNode = nodeWithAddress(sorted, dstIp);
            if (dstNode == null) {
                throw error("dst", "no node has the address " + dst, "trace to a node's address or name");
            }
        } else {
            dstNode = sorted.stream().filter(n -> n.name().equals(dst)).findFirst().orElse(null);
            if (dstNode == null) {
                throw error("dst", "unknown destination node \"" + dst + "\"",
                        Hints.didYouMean(dst, sorted.stream().map(PolicyNode::name).toList()));
            }
        }
        // source
        PolicyNode srcNode = null;
        byte[] srcIp = IpAddresses.tryParse(strip(src));
        if (srcIp == null) {
            for (PolicyNode n : sorted) {
                boolean match = n.name().equals(src) || (src.startsWith("tag:") ? n.tags().contains(src)
                        : !n.tagged() && n.user().equals(src));
                if (match && !n.addresses().isEmpty()) {
                    srcNode = n;
                    break;
                }
            }
            if (srcNode == null) {
                Set<String> known = new LinkedHashSet<>();
                for (PolicyNode n : sorted) {
                    known.add(n.name());
                    known.add(n.user());
                    known.addAll(n.tags());
                }
                throw error("src", "unknown source \"" + src + "\" (not a node name, user with nodes, tag or IP)",
                        Hints.didYouMean(src, known));
            }
            if (dstIp == null) {
                dstIp = firstAddress(dstNode, srcNode.addresses().stream().anyMatch(IpPrefix::isIpv4));
            }
            srcIp = addressOf(srcNode.addresses(), dstIp == null || dstIp.length == 4);
            if (srcIp == null) {
                throw error("src", src + " has no " + (dstIp == null || dstIp.length == 4 ? "IPv4" : "IPv6")
                        + " address to reach " + dst + " with", null);
            }
        } else {
            srcNode = nodeWithAddress(sorted, srcIp);
            if (dstIp == null) {
                dstIp = addressOf(dstNode.addresses(), srcIp.length == 4);
                if (dstIp == null) {
                    throw error("dst", dst + " has no address of the source's family", null);
                }
            }
        }
        if (dstIp == null) {
            throw error("dst", dst + " has no address", null);
        }
        if (srcIp.length != dstIp.length) {
            throw error("src", "source " + src + " and destination " + dst + " are of different IP families", null);
        }
        int protoNum = protocol(proto, dstIp.length == 16);
        return evaluate(compiled, srcNode, dstNode, srcIp, dstIp, port, protoNum);
    }

    private static Trace evaluate(CompiledPolicy compiled, PolicyNode srcNode, PolicyNode dstNode, byte[] srcIp,
                                  byte[] dstIp, int port, int proto) {
        String packet = IpAddresses.format(srcIp) + (srcNode != null ? " (" + srcNode.name() + ")" : "") + " -> "
                + IpAddresses.format(dstIp) + " (" + dstNode.name() + ") " + PolicyTests.protoName(proto)
                + (Protocols.hasPorts(proto) ? " port " + port : "");
        List<String> near = new ArrayList<>();
        List<FilterRule> filter = compiled.filterFor(dstNode.id());
        for (FilterRule r : filter) {
            boolean srcOk = r.sources().stream().anyMatch(p -> p.contains(srcIp, 0, srcIp.length));
            boolean protoOk = r.effectiveProtocols().contains(proto);
            boolean dstOk = false;
            boolean addrOk = false;
            for (PortRange d : r.destinations()) {
                if (d.prefix().contains(dstIp, 0, dstIp.length)) {
                    addrOk = true;
                    dstOk |= !Protocols.hasPorts(proto) || d.containsPort(port);
                }
            }
            if (srcOk && protoOk && dstOk) {
                return new Trace(true, r.origin(), near, "allowed: " + r.origin() + " accepts " + packet);
            }
            if (!addrOk) {
                continue;
            }
            List<String> why = new ArrayList<>();
            if (!srcOk) {
                why.add("source " + IpAddresses.format(srcIp) + " is not in " + abbreviate(r.sources()));
            }
            if (!protoOk) {
                why.add("protocol " + PolicyTests.protoName(proto) + " is not one of "
                        + r.effectiveProtocols().stream().map(PolicyTests::protoName).toList());
            }
            if (!dstOk) {
                why.add("port " + port + " is not in " + r.destinations().stream()
                        .filter(d -> d.prefix().contains(dstIp, 0, dstIp.length)).map(PolicyTracer::ports)
                        .toList());
            }
            if (why.size() < 3) {
                near.add(r.origin() + ": " + String.join("; ", why));
            }
        }
        // policy rules naming the source whose destinations miss the destination node
        if (srcNode != null) {
            for (Model.Rule rule : compiled.policy().model().rules()) {
                boolean srcOk = rule.srcs().stream().anyMatch(a -> Matcher.source(a, srcNode));
                boolean targets = rule.self()
                        ? !dstNode.tagged() && !srcNode.tagged() && srcNode.user().equals(dstNode.user())
                        : rule.dsts().stream().anyMatch(d -> Matcher.isDestination(d.alias(), dstNode));
                if (srcOk && !targets) {
                    String dsts = String.join(", ", rule.dsts().stream().map(Model.Dst::text).toList());
                    near.add(rule.origin() + ": names the source, but its destinations (" + dsts + ") do not include "
                            + dstNode.name() + (rule.self() ? " (autogroup:self: not the same user)" : ""));
                }
            }
        }
        List<String> shown = near.size() > MAX_NEAR_MISSES ? near.subList(0, MAX_NEAR_MISSES) : near;
        String explanation = "denied: no rule in " + dstNode.name() + "'s filter (" + filter.size()
                + " rules) accepts " + packet + (near.isEmpty() ? "" : "; " + near.size() + " came close");
        return new Trace(false, null, shown, explanation);
    }

    private static String ports(PortRange d) {
        return d.first() == 0 && d.last() == PortRange.MAX_PORT ? "*"
                : d.first() == d.last() ? Integer.toString(d.first()) : d.first() + "-" + d.last();
    }

    private static String abbreviate(List<IpPrefix> prefixes) {
        List<String> s = prefixes.stream().limit(4).map(IpPrefix::toString).toList();
        return "[" + String.join(", ", s) + (prefixes.size() > 4 ? ", ... " + (prefixes.size() - 4) + " more" : "")
                + "]";
    }

    private static int protocol(String proto, boolean v6) throws PolicyException {
        if (proto == null) {
            return FilterRule.TCP;
        }
        List<Integer> p = Protocols.parse(proto);
        if (p == null) {
            throw error("proto", "unknown protocol \"" + proto + "\"", Hints.didYouMean(proto, Protocols.NAMES.keySet()));
        }
        if (p.size() > 1) { // icmp: ICMP on IPv4, ICMPv6 on IPv6
            return v6 ? FilterRule.ICMPV6 : FilterRule.ICMP;
        }
        return p.getFirst();
    }

    private static String strip(String s) {
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }

    private static PolicyNode nodeWithAddress(List<PolicyNode> nodes, byte[] ip) {
        for (PolicyNode n : nodes) {
            for (IpPrefix a : n.addresses()) {
                if (a.contains(ip, 0, ip.length)) {
                    return n;
                }
            }
        }
        return null;
    }

    private static byte[] firstAddress(PolicyNode n, boolean preferV4) {
        byte[] a = addressOf(n.addresses(), preferV4);
        return a != null ? a : addressOf(n.addresses(), !preferV4);
    }

    private static byte[] addressOf(List<IpPrefix> addrs, boolean v4) {
        for (IpPrefix a : addrs) {
            if (a.isIpv4() == v4) {
                return a.address();
            }
        }
        return null;
    }

    private static PolicyException error(String what, String message, String hint) {
        return new PolicyException(new PolicyError(what, 1, 1, message, hint));
    }

    /**
     * @param allowed      whether the packet would pass the destination's filter
     * @param decidingRule the origin of the rule that allows it ({@code "acls[3]"}), or null when denied
     * @param nearMisses   rules that came close, each with why it did not match
     * @param explanation  a human-readable summary
     */
    public record Trace(boolean allowed, String decidingRule, List<String> nearMisses, String explanation) {
        public Trace {
            nearMisses = List.copyOf(nearMisses);
        }
    }
}
