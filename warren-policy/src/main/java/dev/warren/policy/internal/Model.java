package dev.warren.policy.internal;

import dev.warren.wire.net.IpPrefix;

import java.util.List;
import java.util.Map;

/**
 * A validated policy, reduced to what the compiler, the tests and the tracer need. ACLs and grants both become
 * {@link Rule}s (a grant with several protocol groups, or an ACL with both {@code autogroup:self} and other
 * destinations, becomes several rules with the same origin).
 *
 * @param groups    group name to member logins
 * @param hosts     host alias to prefix
 * @param tagOwners tag to owners, as written
 * @param rules     every accept rule, in file order (ACLs first, then grants)
 * @param tests     the {@code tests} section
 * @param aclCount  number of entries in {@code acls}
 * @param grantCount number of entries in {@code grants}
 */
public record Model(Map<String, List<String>> groups, Map<String, IpPrefix> hosts,
                   Map<String, List<String>> tagOwners, List<Rule> rules, List<TestCase> tests,
                   int aclCount, int grantCount) {
    public Model {
        groups = Map.copyOf(groups);
        hosts = Map.copyOf(hosts);
        tagOwners = Map.copyOf(tagOwners);
        rules = List.copyOf(rules);
        tests = List.copyOf(tests);
    }

    /** An inclusive port range. */
    public record Ports(int first, int last) {
        public static final Ports ALL = new Ports(0, 65535);

        public boolean contains(int port) {
            return port >= first && port <= last;
        }

        @Override
        public String toString() {
            return first == 0 && last == 65535 ? "*" : first == last ? Integer.toString(first) : first + "-" + last;
        }
    }

    /** A destination: an alias and the ports it opens. */
    public record Dst(Alias alias, List<Ports> ports, String text) {
        public Dst {
            ports = List.copyOf(ports);
        }

        public boolean allowsPort(int port) {
            for (Ports p : ports) {
                if (p.contains(port)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * One accept rule.
     *
     * @param origin    {@code "acls[3]"} or {@code "grants[1]"}
     * @param srcs      the sources
     * @param protocols IANA protocol numbers; empty = the default set (TCP, UDP, ICMP, ICMPv6)
     * @param dsts      the destinations; when {@code self} is true all of them are {@code autogroup:self}
     * @param self      whether this rule's destinations are {@code autogroup:self}
     */
    public record Rule(String origin, List<Alias> srcs, List<Integer> protocols, List<Dst> dsts, boolean self) {
        public Rule {
            srcs = List.copyOf(srcs);
            protocols = List.copyOf(protocols);
            dsts = List.copyOf(dsts);
        }
    }

    /** One entry of {@code tests}: a source and the destinations it must and must not reach. */
    public record TestCase(int index, Alias src, List<Integer> protocols, List<TestEntry> accept,
                           List<TestEntry> deny, int line, int column) {
        public TestCase {
            protocols = List.copyOf(protocols);
            accept = List.copyOf(accept);
            deny = List.copyOf(deny);
        }
    }

    /** One {@code "alias:port"} of a test, with where it was written. */
    public record TestEntry(String text, Alias alias, int port, int line, int column) {
    }
}
