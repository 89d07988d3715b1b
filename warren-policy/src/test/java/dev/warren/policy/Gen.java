package dev.warren.policy;

import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random but valid policies and node sets over a small universe (4 users, 3 tags, 2 groups, hosts with IPv4 and
 * IPv6 CIDRs), seeded, so jqwik can shrink on the seed. Addresses come from small pools so CIDR aliases and
 * address compression are exercised.
 */
final class Gen {
    static final String[] USERS = {"alice@example.com", "bob@example.com", "carol@corp.io", "dave"};
    static final String[] TAGS = {"tag:web", "tag:db", "tag:ci"};
    static final String HEADER = """
            {
              "groups": {"group:eng": ["alice@example.com", "carol@corp.io"], "group:ops": ["bob@example.com", "dave@"]},
              "hosts": {"lownet": "100.64.0.0/29", "one": "100.64.0.9", "v6net": "fd7a:115c:a1e0::/125", "outside": "8.8.8.0/24"},
              "tagOwners": {"tag:web": ["group:eng"], "tag:db": ["group:ops"], "tag:ci": ["alice@example.com"]},
            """;
    static final String[] SRC = {"*", "alice@example.com", "bob@example.com", "dave@", "group:eng", "group:ops",
            "tag:web", "tag:db", "tag:ci", "autogroup:member", "autogroup:tagged", "lownet", "one", "v6net",
            "100.64.0.0/30", "fd7a:115c:a1e0::2", "autogroup:danger-all", "outside"};
    static final String[] SELF_SRC = {"alice@example.com", "dave@", "group:eng", "group:ops", "autogroup:member"};
    static final String[] DST = {"*", "alice@example.com", "carol@corp.io", "group:ops", "tag:web", "tag:db",
            "tag:ci", "autogroup:member", "autogroup:tagged", "lownet", "one", "v6net", "100.64.0.4/31",
            "[fd7a:115c:a1e0::3]", "fd7a:115c:a1e0::/126", "autogroup:internet", "outside"};
    static final String[] PORTS = {"*", "22", "80,443", "8000-8100", "443", "22,8000-8010"};
    static final String[] PROTO = {null, null, "tcp", "udp", "icmp", "17"};

    private Gen() {
    }

    static <T> T pick(Random r, T[] a) {
        return a[r.nextInt(a.length)];
    }

    /** A policy of 1..6 ACLs and 0..2 grants. */
    static String policy(Random r) {
        StringBuilder sb = new StringBuilder(HEADER);
        sb.append("  \"acls\": [\n");
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            boolean self = r.nextInt(5) == 0;
            String proto = pick(r, PROTO);
            boolean portless = "icmp".equals(proto);
            List<String> srcs = new ArrayList<>();
            for (int k = 0; k <= r.nextInt(2); k++) {
                srcs.add(self ? pick(r, SELF_SRC) : pick(r, SRC));
            }
            List<String> dsts = new ArrayList<>();
            for (int k = 0; k <= r.nextInt(2); k++) {
                String a = self && k == 0 ? "autogroup:self" : pick(r, DST);
                dsts.add(a + ":" + (portless ? "*" : pick(r, PORTS)));
            }
            sb.append("    {\"action\": \"accept\", ").append(proto == null ? "" : "\"proto\": \"" + proto + "\", ")
                    .append("\"src\": ").append(quote(srcs)).append(", \"dst\": ").append(quote(dsts)).append("},\n");
        }
        sb.append("  ],\n");
        int g = r.nextInt(3);
        if (g > 0) {
            sb.append("  \"grants\": [\n");
            for (int i = 0; i < g; i++) {
                List<String> srcs = List.of(pick(r, SRC));
                List<String> dsts = List.of(pick(r, DST));
                List<String> ip = r.nextBoolean() ? List.of("tcp:22", "icmp:*") : List.of(pick(r, PORTS));
                sb.append("    {\"src\": ").append(quote(srcs)).append(", \"dst\": ").append(quote(dsts))
                        .append(", \"ip\": ").append(quote(ip)).append("},\n");
            }
            sb.append("  ],\n");
        }
        return sb.append("}\n").toString();
    }

    static String quote(List<String> items) {
        List<String> q = items.stream().map(s -> "\"" + s + "\"").toList();
        return "[" + String.join(", ", q) + "]";
    }

    /** A random node with id {@code id}, taking unused addresses from the pools. */
    static PolicyNode node(Random r, long id, Set<IpPrefix> used) {
        List<String> tags = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            tags.add(pick(r, TAGS));
            if (r.nextBoolean()) {
                String t = pick(r, TAGS);
                if (!tags.contains(t)) {
                    tags.add(t);
                }
            }
        }
        List<IpPrefix> addrs = new ArrayList<>();
        int shape = r.nextInt(8);
        if (shape != 0) {
            IpPrefix v4 = fresh(r, used, true);
            if (v4 != null) {
                addrs.add(v4);
            }
        }
        if (shape != 1) {
            IpPrefix v6 = fresh(r, used, false);
            if (v6 != null) {
                addrs.add(v6);
            }
        }
        return new PolicyNode(id, "n" + id, pick(r, USERS), tags, addrs);
    }

    private static IpPrefix fresh(Random r, Set<IpPrefix> used, boolean v4) {
        for (int tries = 0; tries < 20; tries++) {
            int x = r.nextInt(16);
            IpPrefix p = IpPrefix.parse(v4 ? "100.64.0." + x + "/32" : "fd7a:115c:a1e0::" + Integer.toHexString(x) + "/128");
            if (used.add(p)) {
                return p;
            }
        }
        return null;
    }

    static List<PolicyNode> nodes(Random r, int count) {
        Set<IpPrefix> used = new HashSet<>();
        List<PolicyNode> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(node(r, 10 + i, used));
        }
        return out;
    }

    static Set<IpPrefix> used(Iterable<PolicyNode> nodes) {
        Set<IpPrefix> used = new HashSet<>();
        for (PolicyNode n : nodes) {
            used.addAll(n.addresses());
        }
        return used;
    }
}
