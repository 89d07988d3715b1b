package dev.warren.policy.internal;

import dev.warren.policy.PolicyNode;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.List;

/**
 * What an alias means for one node: whether the node is one of a rule's sources, and which of its addresses a
 * destination names. Identity aliases (users, groups, tags, {@code autogroup:member|tagged}) match by the node's
 * owner or tags (a tagged node has no user identity); {@code *} and {@code autogroup:danger-all} match every node;
 * IPs, CIDRs and hosts match the node addresses they contain. A node without addresses matches nothing.
 */
public final class Matcher {
    private Matcher() {
    }

    /** Whether {@code a} names {@code n} by identity (user, group, tag, member, tagged). */
    public static boolean identity(Alias a, PolicyNode n) {
        return switch (a) {
            case Alias.User u -> !n.tagged() && u.matchesLogin(n.user());
            case Alias.Group g -> !n.tagged() && g.containsLogin(n.user());
            case Alias.Tag t -> n.tags().contains(t.name());
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.MEMBER -> !n.tagged();
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.TAGGED -> n.tagged();
            default -> false;
        };
    }

    /** Whether packets from {@code n} match source alias {@code a}. */
    public static boolean source(Alias a, PolicyNode n) {
        if (n.addresses().isEmpty()) {
            return false;
        }
        return switch (a) {
            case Alias.Any any -> true;
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.DANGER_ALL -> true;
            case Alias.Prefix p -> containsAny(p.prefix(), n);
            default -> identity(a, n);
        };
    }

    /** The addresses of {@code n} that destination alias {@code a} names (never autogroup:self). */
    public static List<IpPrefix> destination(Alias a, PolicyNode n) {
        return switch (a) {
            case Alias.Any any -> n.addresses();
            case Alias.Prefix p -> {
                List<IpPrefix> out = new ArrayList<>(1);
                for (IpPrefix addr : n.addresses()) {
                    if (contains(p.prefix(), addr)) {
                        out.add(addr);
                    }
                }
                yield out;
            }
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.INTERNET || k == Alias.AutoKind.SELF
                    || k == Alias.AutoKind.DANGER_ALL -> List.of();
            default -> identity(a, n) ? n.addresses() : List.of();
        };
    }

    /** Whether a destination alias names any address of {@code n}. */
    public static boolean isDestination(Alias a, PolicyNode n) {
        return !destination(a, n).isEmpty();
    }

    /** Whether {@code outer} contains every address of {@code inner}. */
    public static boolean contains(IpPrefix outer, IpPrefix inner) {
        if (outer.isIpv4() != inner.isIpv4() || outer.bits() > inner.bits()) {
            return false;
        }
        int len = inner.isIpv4() ? 4 : 16;
        byte[] a = new byte[len];
        for (int i = 0; i < len; i++) {
            a[i] = (byte) inner.byteAt(i);
        }
        return outer.contains(a, 0, len);
    }

    private static boolean containsAny(IpPrefix p, PolicyNode n) {
        for (IpPrefix addr : n.addresses()) {
            if (contains(p, addr)) {
                return true;
            }
        }
        return false;
    }
}
