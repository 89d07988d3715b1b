package dev.warren.policy;

import dev.warren.policy.internal.Alias;
import dev.warren.policy.internal.Matcher;
import dev.warren.policy.internal.Model;
import dev.warren.policy.internal.Ranges;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The compiled form of a policy over a node table, and the full compile that builds it.
 *
 * <p>Nodes live in slots (dense indices; a removed node's slot is reused by a later update). Per rule the state
 * keeps three bit sets over slots — {@code ruleIdent} (nodes whose addresses are listed in the rule's sources:
 * users, groups, tags, member/tagged autogroups), {@code ruleSrc} (nodes whose packets match the sources, which
 * also counts {@code *} and CIDRs) and {@code ruleDst} (nodes that receive the rule in their filter) — and the
 * compressed source prefixes, which every receiving node's {@link FilterRule} shares. Per node it keeps the rules
 * that target it, its filter and {@code peers} (who may send to it ∪ whom it may send to, as {@link ChunkedBits}
 * rows; "who may send to it" is recomputed from its rules when needed rather than stored). Rules
 * with {@code autogroup:self} destinations take their sources per user ({@code userNodes}/{@code userSources};
 * the latter is kept only when the policy has such a rule).
 *
 * <p>Invariants: {@code peers[a]} has bit b iff {@code reaches(a, b)} or {@code reaches(b, a)}, a ≠ b; an
 * empty slot has empty rows and an empty filter. A {@code State} owned by a {@link CompiledPolicy} is never
 * mutated; {@link Incremental} works on a shallow copy and copies each row before writing it. Not thread-safe
 * while being built.
 */
final class State {
    final Policy policy;
    final Model.Rule[] rules;
    /** Whether any rule has {@code autogroup:self} destinations; without one {@code userSources} stays empty. */
    final boolean selfRules;
    PolicyNode[] slots;
    final LongIntMap index;
    final ArrayList<Integer> freeSlots;
    long[][] ruleIdent;
    long[][] ruleSrc;
    long[][] ruleDst;
    List<IpPrefix>[] ruleSources;
    final HashMap<String, long[]> userNodes;
    final HashMap<String, List<IpPrefix>> userSources;
    int[][] nodeRules;
    List<FilterRule>[] filters;
    /** Per slot, the rule index of each entry of its filter (ascending), so a rebuild can reuse destinations. */
    int[][] filterRules;
    long[][][] peers;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private State(Policy policy, int slotCount) {
        this.policy = policy;
        this.rules = policy.model().rules().toArray(new Model.Rule[0]);
        this.selfRules = Arrays.stream(rules).anyMatch(Model.Rule::self);
        this.slots = new PolicyNode[slotCount];
        this.index = new LongIntMap();
        this.freeSlots = new ArrayList<>();
        int r = rules.length;
        this.ruleIdent = new long[r][];
        this.ruleSrc = new long[r][];
        this.ruleDst = new long[r][];
        this.ruleSources = new List[r];
        this.userNodes = new HashMap<>();
        this.userSources = new HashMap<>();
        this.nodeRules = new int[slotCount][];
        this.filters = new List[slotCount];
        this.filterRules = new int[slotCount][];
        this.peers = new long[slotCount][][];
    }

    /** A shallow copy for copy-on-write updates: arrays are new, rows and lists are shared. */
    State(State o) {
        this.policy = o.policy;
        this.rules = o.rules;
        this.selfRules = o.selfRules;
        this.slots = o.slots.clone();
        this.index = o.index.copy();
        this.freeSlots = new ArrayList<>(o.freeSlots);
        this.ruleIdent = o.ruleIdent.clone();
        this.ruleSrc = o.ruleSrc.clone();
        this.ruleDst = o.ruleDst.clone();
        this.ruleSources = o.ruleSources.clone();
        this.userNodes = new HashMap<>(o.userNodes);
        this.userSources = new HashMap<>(o.userSources);
        this.nodeRules = o.nodeRules.clone();
        this.filters = o.filters.clone();
        this.filterRules = o.filterRules.clone();
        this.peers = o.peers.clone();
    }

    /** Full compile of {@code policy} over nodes placed in the given slots (null = free slot). */
    static State compile(Policy policy, PolicyNode[] layout) {
        State s = new State(policy, layout.length);
        int words = Bits.words(layout.length);
        for (int i = 0; i < layout.length; i++) {
            PolicyNode n = layout[i];
            s.slots[i] = n;
            if (n == null) {
                s.freeSlots.add(i);
            } else if (s.index.put(n.id(), i) >= 0) {
                throw new IllegalArgumentException("node id " + n.id() + " appears twice");
            }
        }
        // users of untagged nodes
        Map<String, List<IpPrefix>> userAddrs = new HashMap<>();
        for (int i = 0; i < layout.length; i++) {
            PolicyNode n = layout[i];
            if (n != null && !n.tagged() && !n.addresses().isEmpty()) {
                Bits.set(s.userNodes.computeIfAbsent(n.user(), k -> new long[words]), i);
                userAddrs.computeIfAbsent(n.user(), k -> new ArrayList<>()).addAll(n.addresses());
            }
        }
        if (s.selfRules) {
            userAddrs.forEach((u, a) -> s.userSources.put(u, Ranges.compress(a)));
        }
        // per rule bit sets; alias bit sets and source lists are cached across rules
        Map<Alias, long[]> identCache = new HashMap<>();
        Map<Alias, long[]> srcCache = new HashMap<>();
        Map<Alias, long[]> dstCache = new HashMap<>();
        Map<List<Alias>, List<IpPrefix>> sourcesCache = new HashMap<>();
        for (int r = 0; r < s.rules.length; r++) {
            Model.Rule rule = s.rules[r];
            long[] ident = new long[words];
            long[] src = new long[words];
            long[] dst = new long[words];
            for (Alias a : rule.srcs()) {
                Bits.or(ident, identCache.computeIfAbsent(a, k -> s.scan(k, 0)));
                Bits.or(src, srcCache.computeIfAbsent(a, k -> s.scan(k, 1)));
            }
            if (rule.self()) {
                dst = src.clone(); // the sources' own untagged nodes
                s.ruleSources[r] = List.of();
            } else {
                for (Model.Dst d : rule.dsts()) {
                    Bits.or(dst, dstCache.computeIfAbsent(d.alias(), k -> s.scan(k, 2)));
                }
                final long[] identF = ident;
                s.ruleSources[r] = sourcesCache.computeIfAbsent(rule.srcs(), k -> s.sources(k, identF));
            }
            s.ruleIdent[r] = Bits.trim(rule.self() ? new long[0] : ident);
            s.ruleSrc[r] = Bits.trim(src);
            s.ruleDst[r] = Bits.trim(dst);
        }
        // invert ruleDst into per-node rule lists
        int[] counts = new int[layout.length];
        for (long[] dst : s.ruleDst) {
            for (int b = Bits.next(dst, 0); b >= 0; b = Bits.next(dst, b + 1)) {
                counts[b]++;
            }
        }
        for (int i = 0; i < layout.length; i++) {
            s.nodeRules[i] = new int[counts[i]];
            counts[i] = 0;
        }
        for (int r = 0; r < s.rules.length; r++) {
            long[] dst = s.ruleDst[r];
            for (int b = Bits.next(dst, 0); b >= 0; b = Bits.next(dst, b + 1)) {
                s.nodeRules[b][counts[b]++] = r;
            }
        }
        for (int i = 0; i < layout.length; i++) {
            s.filters[i] = List.of();
            s.filterRules[i] = NO_RULES;
            s.rebuildFilter(i, false);
        }
        long[][] inbound = new long[layout.length][];
        for (int i = 0; i < layout.length; i++) {
            inbound[i] = s.buildInbound(i, words);
        }
        // peers = inbound ∪ transpose(inbound), without self
        long[][] peers = new long[layout.length][];
        for (int i = 0; i < layout.length; i++) {
            peers[i] = layout[i] == null ? new long[0] : Arrays.copyOf(inbound[i], words);
        }
        for (int b = 0; b < layout.length; b++) {
            long[] in = inbound[b];
            for (int a = Bits.next(in, 0); a >= 0; a = Bits.next(in, a + 1)) {
                Bits.set(peers[a], b);
            }
        }
        for (int i = 0; i < layout.length; i++) {
            if (layout[i] != null) {
                peers[i][i >>> 6] &= ~(1L << i);
            }
            s.peers[i] = ChunkedBits.of(peers[i]);
        }
        return s;
    }

    /** Slots matching alias {@code a}: mode 0 = identity, 1 = source, 2 = destination. */
    private long[] scan(Alias a, int mode) {
        long[] out = new long[Bits.words(slots.length)];
        for (int i = 0; i < slots.length; i++) {
            PolicyNode n = slots[i];
            if (n == null || n.addresses().isEmpty()) {
                continue;
            }
            boolean m = switch (mode) {
                case 0 -> Matcher.identity(a, n);
                case 1 -> Matcher.source(a, n);
                default -> Matcher.isDestination(a, n);
            };
            if (m) {
                Bits.set(out, i);
            }
        }
        return out;
    }

    /** The fixed prefixes of a source list: {@code *} and danger-all as 0.0.0.0/0 and ::/0, IPs, CIDRs, hosts. */
    static List<IpPrefix> fixedSources(List<Alias> srcs) {
        List<IpPrefix> out = new ArrayList<>();
        for (Alias a : srcs) {
            switch (a) {
                case Alias.Any any -> out.addAll(ALL);
                case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.DANGER_ALL -> out.addAll(ALL);
                case Alias.Prefix p -> out.add(p.prefix());
                default -> {
                }
            }
        }
        return out;
    }

    static final List<IpPrefix> ALL = List.of(IpPrefix.parse("0.0.0.0/0"), IpPrefix.parse("::/0"));

    /** Compressed source prefixes: the fixed ones plus the addresses of the identity-matched nodes. */
    List<IpPrefix> sources(List<Alias> srcs, long[] ident) {
        List<IpPrefix> all = fixedSources(srcs);
        for (int i = Bits.next(ident, 0); i >= 0; i = Bits.next(ident, i + 1)) {
            all.addAll(slots[i].addresses());
        }
        return Ranges.compress(all);
    }

    static final int[] NO_RULES = new int[0];

    /** List equality with the cheap checks first (identity, size): source lists can be long. */
    static boolean sameList(List<?> a, List<?> b) {
        return a == b || a.size() == b.size() && a.equals(b);
    }

    /** Filter equality, comparing each rule's sources with {@link #sameList}. */
    static boolean sameFilter(List<FilterRule> a, List<FilterRule> b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            FilterRule x = a.get(i);
            FilterRule y = b.get(i);
            if (x != y && !(x.origin().equals(y.origin()) && x.protocols().equals(y.protocols())
                    && sameList(x.destinations(), y.destinations()) && sameList(x.sources(), y.sources()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rebuilds the inbound filter of the node in {@code slot} from the rules that target it. With
     * {@code reuseDestinations} (allowed only when neither the node nor its rule list changed since the filter was
     * built) the destinations of existing entries are kept and only sources are refreshed, and an entry whose
     * sources are the same list object is kept as is.
     */
    void rebuildFilter(int slot, boolean reuseDestinations) {
        PolicyNode n = slots[slot];
        if (n == null || nodeRules[slot].length == 0) {
            filters[slot] = List.of();
            filterRules[slot] = NO_RULES;
            return;
        }
        List<FilterRule> old = filters[slot];
        int[] oldIdx = filterRules[slot];
        List<FilterRule> out = new ArrayList<>(nodeRules[slot].length);
        int[] idx = new int[nodeRules[slot].length];
        int k = 0;
        for (int r : nodeRules[slot]) {
            Model.Rule rule = rules[r];
            List<IpPrefix> srcs = rule.self() ? userSources.getOrDefault(n.user(), List.of()) : ruleSources[r];
            while (k < oldIdx.length && oldIdx[k] < r) {
                k++;
            }
            FilterRule prev = reuseDestinations && k < oldIdx.length && oldIdx[k] == r ? old.get(k) : null;
            if (srcs.isEmpty()) {
                continue;
            }
            FilterRule fr;
            if (prev != null) {
                fr = prev.sources() == srcs ? prev
                        : new FilterRule(rule.origin(), srcs, rule.protocols(), prev.destinations());
            } else {
                List<PortRange> dests = destinations(rule, n);
                if (dests.isEmpty()) {
                    continue;
                }
                fr = new FilterRule(rule.origin(), srcs, rule.protocols(), dests);
            }
            idx[out.size()] = r;
            out.add(fr);
        }
        filters[slot] = out.isEmpty() ? List.of() : List.copyOf(out);
        filterRules[slot] = out.isEmpty() ? NO_RULES : Arrays.copyOf(idx, out.size());
    }

    private static List<PortRange> destinations(Model.Rule rule, PolicyNode n) {
        LinkedHashSet<PortRange> dests = new LinkedHashSet<>();
        for (Model.Dst d : rule.dsts()) {
            List<IpPrefix> addrs = rule.self() ? n.addresses() : Matcher.destination(d.alias(), n);
            for (IpPrefix addr : addrs) {
                for (Model.Ports p : d.ports()) {
                    dests.add(new PortRange(addr, p.first(), p.last()));
                }
            }
        }
        return List.copyOf(dests);
    }

    /** Who may send to the node in {@code slot}: the OR of its rules' source node sets. */
    long[] buildInbound(int slot, int words) {
        PolicyNode n = slots[slot];
        if (n == null || nodeRules[slot].length == 0) {
            return Bits.EMPTY;
        }
        long[] in = new long[words];
        for (int r : nodeRules[slot]) {
            Bits.or(in, rules[r].self() ? userNodes.getOrDefault(n.user(), Bits.EMPTY) : ruleSrc[r]);
        }
        return Bits.trim(in);
    }

    /** Whether the node in slot x may send to the node in slot b (by b's rules). */
    boolean reaches(int x, int b) {
        PolicyNode n = slots[b];
        if (n == null || slots[x] == null) {
            return false;
        }
        for (int r : nodeRules[b]) {
            long[] src = rules[r].self() ? userNodes.getOrDefault(n.user(), Bits.EMPTY) : ruleSrc[r];
            if (Bits.get(src, x)) {
                return true;
            }
        }
        return false;
    }
}
