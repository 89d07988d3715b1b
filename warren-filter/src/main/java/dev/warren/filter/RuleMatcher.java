package dev.warren.filter;

import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A node's filter rules compiled for a fast per-packet answer to "which is the first rule that admits this packet?"
 * — the same answer as evaluating the list in order ({@link #matchLinear}), at a cost that does not grow with the
 * number of rules.
 *
 * <pre>
 * tables[family][protocol]               IPv4 / IPv6 × 256 protocols (null: no rule names the protocol)
 *   └─ destination prefixes              the distinct destination prefixes of those rules (a node's own
 *        │                               addresses and routes: a handful, checked one by one)
 *        ├─ all ports → SourceRanges     rules that cover every port (and every rule for portless protocols)
 *        └─ port segments → SourceRanges the port space cut at every range boundary, binary-searched; each
 *                                        segment holds the sources of every rule whose range covers it
 * SourceRanges                            sorted disjoint address ranges labelled with the lowest rule index
 *                                        (binary search)
 * </pre>
 * A lookup costs, per matching destination prefix, two binary searches over source ranges and one over port
 * segments. Ports count only for protocols that have them ({@link PacketHeaders#hasPorts}); for ICMP and the
 * others a rule's destination matches on its address alone, as {@link PortRange} says. A source prefix of one
 * family never matches a packet of the other.
 *
 * <p>Memory: every port segment stores the union of the sources of the rules that cover it, so many wide,
 * overlapping port ranges with many sources multiply; policies in practice name single ports, small ranges or
 * "*" (which is kept apart, not segmented). Past {@link #SEGMENT_BUDGET} a destination's port ranges are kept
 * unsegmented and scanned one by one instead: slower for that destination, but never quadratic.
 *
 * <p>Immutable and thread-safe once compiled.
 */
public final class RuleMatcher {
    private final List<FilterRule> rules;
    private final DstEntry[][][] tables = new DstEntry[2][][];

    /**
     * Above this many (segment × source prefix) insertions, a destination's port ranges are not segmented but
     * scanned one by one (each with its own sources): memory and compile time stay linear in the rules.
     */
    static final long SEGMENT_BUDGET = 2_000_000;

    /** One port range of one rule, for the unsegmented fallback. */
    private record PortEntry(int first, int last, SourceRanges sources) {
    }

    /** One destination prefix of one (family, protocol). */
    private record DstEntry(long netHi, long netLo, long lastHi, long lastLo, SourceRanges allPorts,
                            int[] segmentStart, SourceRanges[] segments, PortEntry[] unsegmented) {
        boolean contains(long hi, long lo) {
            return SourceRanges.compare(hi, lo, netHi, netLo) >= 0 && SourceRanges.compare(hi, lo, lastHi, lastLo) <= 0;
        }
    }

    private RuleMatcher(List<FilterRule> rules) {
        this.rules = rules;
    }

    /** Compiles {@code rules} (first match wins; an empty list admits nothing). */
    public static RuleMatcher compile(List<FilterRule> rules) {
        return compile(rules, SEGMENT_BUDGET);
    }

    /** As {@link #compile(List)} with another segmenting budget (tests force the unsegmented form with 0). */
    static RuleMatcher compile(List<FilterRule> rules, long segmentBudget) {
        RuleMatcher m = new RuleMatcher(List.copyOf(rules));
        for (int fam = 0; fam < 2; fam++) {
            boolean v4 = fam == 0;
            // protocol → destination prefix → builder
            Map<Integer, Map<IpPrefix, DstBuilder>> byProto = new TreeMap<>();
            for (int i = 0; i < m.rules.size(); i++) {
                FilterRule r = m.rules.get(i);
                List<IpPrefix> srcs = r.sources().stream().filter(p -> p.isIpv4() == v4).toList();
                if (srcs.isEmpty()) {
                    continue;
                }
                for (int proto : new LinkedHashSet<>(r.effectiveProtocols())) {
                    for (PortRange d : r.destinations()) {
                        if (d.prefix().isIpv4() != v4) {
                            continue;
                        }
                        DstBuilder b = byProto.computeIfAbsent(proto, k -> new LinkedHashMap<>())
                                .computeIfAbsent(d.prefix(), x -> new DstBuilder(x, segmentBudget));
                        if (!PacketHeaders.hasPorts(proto) || (d.first() == 0 && d.last() == PortRange.MAX_PORT)) {
                            for (IpPrefix s : srcs) {
                                b.all.add(Addresses.firstHi(s), Addresses.firstLo(s), Addresses.lastHi(s),
                                        Addresses.lastLo(s), i);
                            }
                        } else {
                            b.ported.add(new Ported(d.first(), d.last(), srcs, i));
                        }
                    }
                }
            }
            if (byProto.isEmpty()) {
                continue;
            }
            DstEntry[][] t = new DstEntry[256][];
            for (Map.Entry<Integer, Map<IpPrefix, DstBuilder>> e : byProto.entrySet()) {
                List<DstEntry> list = new ArrayList<>();
                for (DstBuilder b : e.getValue().values()) {
                    list.add(b.build());
                }
                t[e.getKey()] = list.toArray(DstEntry[]::new);
            }
            m.tables[fam] = t;
        }
        return m;
    }

    private record Ported(int first, int last, List<IpPrefix> sources, int rule) {
    }

    private static final class DstBuilder {
        final IpPrefix prefix;
        final SourceRanges.Builder all = new SourceRanges.Builder();
        final List<Ported> ported = new ArrayList<>();
        final long budget;

        DstBuilder(IpPrefix prefix, long budget) {
            this.prefix = prefix;
            this.budget = budget;
        }

        DstEntry build() {
            int[] starts = null;
            SourceRanges[] segs = null;
            PortEntry[] linear = null;
            if (!ported.isEmpty() && segmentWork() > budget) {
                linear = new PortEntry[ported.size()];
                for (int k = 0; k < ported.size(); k++) {
                    Ported p = ported.get(k);
                    SourceRanges.Builder sb = new SourceRanges.Builder();
                    for (IpPrefix s : p.sources()) {
                        sb.add(Addresses.firstHi(s), Addresses.firstLo(s), Addresses.lastHi(s), Addresses.lastLo(s),
                                p.rule());
                    }
                    linear[k] = new PortEntry(p.first(), p.last(), sb.build());
                }
            } else if (!ported.isEmpty()) {
                // cut the port space at every range start and end+1; sweep keeping the ranges that cover a segment
                TreeSet<Integer> cuts = new TreeSet<>();
                cuts.add(0);
                Map<Integer, List<Integer>> opening = new TreeMap<>();
                Map<Integer, List<Integer>> closing = new TreeMap<>();
                for (int k = 0; k < ported.size(); k++) {
                    Ported p = ported.get(k);
                    cuts.add(p.first());
                    opening.computeIfAbsent(p.first(), x -> new ArrayList<>()).add(k);
                    if (p.last() < PortRange.MAX_PORT) {
                        cuts.add(p.last() + 1);
                        closing.computeIfAbsent(p.last() + 1, x -> new ArrayList<>()).add(k);
                    }
                }
                starts = new int[cuts.size()];
                segs = new SourceRanges[cuts.size()];
                TreeSet<Integer> active = new TreeSet<>(); // indexes into ported, which is in rule order
                int n = 0;
                for (int cut : cuts) {
                    active.removeAll(closing.getOrDefault(cut, List.of()));
                    active.addAll(opening.getOrDefault(cut, List.of()));
                    starts[n] = cut;
                    if (!active.isEmpty()) {
                        SourceRanges.Builder sb = new SourceRanges.Builder();
                        for (int k : active) {
                            Ported p = ported.get(k);
                            for (IpPrefix s : p.sources()) {
                                sb.add(Addresses.firstHi(s), Addresses.firstLo(s), Addresses.lastHi(s),
                                        Addresses.lastLo(s), p.rule());
                            }
                        }
                        segs[n] = sb.build();
                    }
                    n++;
                }
            }
            return new DstEntry(Addresses.firstHi(prefix), Addresses.firstLo(prefix), Addresses.lastHi(prefix),
                    Addresses.lastLo(prefix), all.isEmpty() ? null : all.build(), starts, segs, linear);
        }

        /** How many source insertions segmenting would take: Σ over segments of the sources covering it. */
        long segmentWork() {
            TreeMap<Integer, Long> delta = new TreeMap<>();
            for (Ported p : ported) {
                delta.merge(p.first(), (long) p.sources().size(), Long::sum);
                if (p.last() < PortRange.MAX_PORT) {
                    delta.merge(p.last() + 1, (long) -p.sources().size(), Long::sum);
                }
            }
            long active = 0;
            long work = 0;
            for (long d : delta.values()) {
                active += d;
                work += active;
            }
            return work;
        }
    }

    /** The index of the first rule that admits the packet, or -1. Allocation-free. */
    public int match(PacketHeaders h) {
        DstEntry[][] t = tables[h.family == 4 ? 0 : 1];
        if (t == null || h.proto < 0 || h.proto > 255) {
            return -1;
        }
        DstEntry[] dsts = t[h.proto];
        if (dsts == null) {
            return -1;
        }
        int best = Integer.MAX_VALUE;
        for (DstEntry d : dsts) {
            if (!d.contains(h.dstHi, h.dstLo)) {
                continue;
            }
            if (d.allPorts() != null) {
                int r = d.allPorts().lookup(h.srcHi, h.srcLo);
                if (r >= 0 && r < best) {
                    best = r;
                }
            }
            PortEntry[] linear = d.unsegmented();
            if (linear != null) {
                for (PortEntry p : linear) {
                    if (h.dstPort >= p.first() && h.dstPort <= p.last()) {
                        int r = p.sources().lookup(h.srcHi, h.srcLo);
                        if (r >= 0 && r < best) {
                            best = r;
                        }
                    }
                }
            }
            int[] starts = d.segmentStart();
            if (starts != null) {
                int k = floor(starts, h.dstPort);
                SourceRanges s = k < 0 ? null : d.segments()[k];
                if (s != null) {
                    int r = s.lookup(h.srcHi, h.srcLo);
                    if (r >= 0 && r < best) {
                        best = r;
                    }
                }
            }
        }
        return best == Integer.MAX_VALUE ? -1 : best;
    }

    private static int floor(int[] a, int key) {
        int lo = 0;
        int hi = a.length - 1;
        int found = -1;
        while (lo <= hi) {
            int m = (lo + hi) >>> 1;
            if (a[m] <= key) {
                found = m;
                lo = m + 1;
            } else {
                hi = m - 1;
            }
        }
        return found;
    }

    /**
     * The reference semantics: the first rule, in order, whose protocols hold the packet's protocol, one of whose
     * sources holds its source address and one of whose destinations holds its destination address (and port,
     * for protocols with ports). Linear in the rules; tests compare {@link #match} with it.
     */
    public static int matchLinear(List<FilterRule> rules, int proto, byte[] src, byte[] dst, int dstPort) {
        for (int i = 0; i < rules.size(); i++) {
            FilterRule r = rules.get(i);
            if (!r.effectiveProtocols().contains(proto)) {
                continue;
            }
            boolean srcOk = false;
            for (IpPrefix s : r.sources()) {
                if (s.contains(src, 0, src.length)) {
                    srcOk = true;
                    break;
                }
            }
            if (!srcOk) {
                continue;
            }
            for (PortRange d : r.destinations()) {
                if (d.prefix().contains(dst, 0, dst.length)
                        && (!PacketHeaders.hasPorts(proto) || d.containsPort(dstPort))) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The rules, in order. */
    public List<FilterRule> rules() {
        return rules;
    }

    /** The origin of rule {@code i} ({@code "acls[3]"}), or "rule i" when control gave none. */
    public String origin(int i) {
        String o = rules.get(i).origin();
        return o.isEmpty() ? "rule " + i : o;
    }
}
