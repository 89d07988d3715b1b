package dev.warren.policy;

import dev.warren.policy.internal.Alias;
import dev.warren.policy.internal.Matcher;
import dev.warren.policy.internal.Model;
import dev.warren.policy.internal.Ranges;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies node changes to a compiled policy without recompiling it. For each changed node X (processed one at a
 * time against the evolving copy):
 * <ol>
 * <li>X's bit is set or cleared in every rule's ident/src/dst set and in its user's set — the only bits X's change
 * can move, since whether another node matches an alias does not depend on X;</li>
 * <li>a rule whose source prefixes changed (X's addresses joined or left them) marks its receivers dirty; so do
 * {@code autogroup:self} rules for X's user's nodes; X itself is always dirty; dirty filters are rebuilt;</li>
 * <li>the peer bit between X and every node that could be affected — its old peers, the receivers of rules X is a
 * source of, and the nodes that may send to X — is recomputed from the rules (X reaches b, or b reaches X), and
 * only the rows whose bit flips are copied (one chunk each, see {@link ChunkedBits}).</li>
 * </ol>
 * Finally the touched nodes are compared with the old state, so the reported sets are exactly the nodes whose
 * answers differ; with {@link CompiledPolicy.PeerReport.Only} only the asked ids' peer rows are compared (old
 * slot's row against new slot's row), which under a broad policy skips comparing nearly every row. Rows are
 * copied before they are written (copy-on-write), so the old {@link CompiledPolicy} stays valid. Freed slots are
 * reused only by later updates. Single-threaded per call.
 */
final class Incremental {
    private final State old;
    private final State s;
    private final int oldSlots;
    private final BitSet ownedIdent = new BitSet();
    private final BitSet ownedSrc = new BitSet();
    private final BitSet ownedDst = new BitSet();
    private final Set<String> ownedUsers = new HashSet<>();
    private final BitSet touchedFilter = new BitSet();
    private final BitSet touchedPeers = new BitSet();
    private final List<Integer> freedNow = new ArrayList<>();
    private int words;

    private Incremental(State old) {
        this.old = old;
        this.s = new State(old);
        this.oldSlots = old.slots.length;
        this.words = Bits.words(old.slots.length);
    }

    static CompiledPolicy.Update apply(CompiledPolicy from, Collection<PolicyNode> upserted, Collection<Long> removed,
                                       CompiledPolicy.PeerReport report) {
        Set<Long> ids = new HashSet<>();
        for (PolicyNode n : upserted) {
            if (!ids.add(n.id())) {
                throw new IllegalArgumentException("node " + n.id() + " is upserted twice");
            }
        }
        for (long id : removed) {
            if (ids.contains(id)) {
                throw new IllegalArgumentException("node " + id + " is both upserted and removed");
            }
        }
        Incremental inc = new Incremental(from.state());
        for (PolicyNode n : upserted) {
            inc.change(n.id(), n);
        }
        for (long id : removed) {
            inc.change(id, null);
        }
        return inc.finish(report);
    }

    private long[] own(long[][] rows, BitSet owned, int i) {
        if (!owned.get(i)) {
            rows[i] = Arrays.copyOf(rows[i], Math.max(rows[i].length, words));
            owned.set(i);
        } else if (rows[i].length < words) {
            rows[i] = Arrays.copyOf(rows[i], words);
        }
        return rows[i];
    }

    private void setBit(long[][] rows, BitSet owned, int i, int bit, boolean value) {
        if (Bits.get(rows[i], bit) == value) {
            return;
        }
        long[] row = own(rows, owned, i);
        if (value) {
            row[bit >>> 6] |= 1L << bit;
        } else {
            row[bit >>> 6] &= ~(1L << bit);
        }
    }

    private int allocate() {
        if (!s.freeSlots.isEmpty()) {
            return s.freeSlots.removeLast();
        }
        int slot = s.slots.length;
        int cap = Math.max(16, slot * 2);
        s.slots = Arrays.copyOf(s.slots, cap);
        s.nodeRules = Arrays.copyOf(s.nodeRules, cap);
        s.filters = Arrays.copyOf(s.filters, cap);
        s.filterRules = Arrays.copyOf(s.filterRules, cap);
        s.peers = Arrays.copyOf(s.peers, cap);
        for (int i = slot; i < cap; i++) {
            s.nodeRules[i] = new int[0];
            s.filters[i] = List.of();
            s.filterRules[i] = State.NO_RULES;
            s.peers[i] = ChunkedBits.EMPTY;
            if (i > slot) {
                s.freeSlots.addFirst(i); // removeLast hands out the lowest first
            }
        }
        s.freeSlots.sort((a, b) -> Integer.compare(b, a));
        words = Bits.words(cap);
        return slot;
    }

    private static boolean userKeyed(PolicyNode n) {
        return n != null && !n.tagged() && !n.addresses().isEmpty();
    }

    private void change(long id, PolicyNode nn) {
        int existing = s.index.get(id);
        PolicyNode on = existing < 0 ? null : s.slots[existing];
        if (on == null && nn == null || Objects.equals(on, nn)) {
            return;
        }
        int x = existing >= 0 ? existing : allocate();
        BitSet cand = new BitSet();
        long[][] oldPeerRow = s.peers[x];
        for (int b = ChunkedBits.next(oldPeerRow, 0); b >= 0; b = ChunkedBits.next(oldPeerRow, b + 1)) {
            cand.set(b);
        }
        s.slots[x] = nn;
        if (nn == null) {
            s.index.remove(id);
            freedNow.add(x);
        } else {
            s.index.put(id, x);
        }
        BitSet dirty = new BitSet();
        dirty.set(x);
        // users (autogroup:self)
        boolean sameAddresses = on != null && nn != null && on.addresses().equals(nn.addresses());
        Set<String> users = new HashSet<>();
        if (userKeyed(on)) {
            users.add(on.user());
        }
        if (userKeyed(nn)) {
            users.add(nn.user());
        }
        boolean userSourcesChanged = false;
        for (String u : users) {
            long[] row = s.userNodes.getOrDefault(u, Bits.EMPTY);
            boolean member = userKeyed(nn) && nn.user().equals(u);
            if (!ownedUsers.contains(u)) {
                row = Arrays.copyOf(row, Math.max(row.length, words));
                ownedUsers.add(u);
            } else if (row.length < words) {
                row = Arrays.copyOf(row, words);
            }
            if (member) {
                row[x >>> 6] |= 1L << x;
            } else {
                row[x >>> 6] &= ~(1L << x);
            }
            List<IpPrefix> before = s.userSources.getOrDefault(u, List.of());
            if (Bits.isEmpty(row)) {
                s.userNodes.remove(u);
                s.userSources.remove(u);
            } else {
                s.userNodes.put(u, row);
                if (s.selfRules) { // only autogroup:self rules read a user's sources
                    s.userSources.put(u, userSources(u, row, before, on, nn, member, sameAddresses));
                }
            }
            if (!State.sameList(before, s.userSources.getOrDefault(u, List.of()))) {
                userSourcesChanged = true;
            }
        }
        // rules
        List<Integer> targets = new ArrayList<>();
        // rules with equal source lists get equal source prefixes: compute each once per change
        Map<List<Alias>, List<IpPrefix>> memo = new HashMap<>();
        for (int r = 0; r < s.rules.length; r++) {
            Model.Rule rule = s.rules[r];
            boolean newSrc = false;
            boolean newIdent = false;
            if (nn != null) {
                for (Alias a : rule.srcs()) {
                    newSrc |= Matcher.source(a, nn);
                    newIdent |= !nn.addresses().isEmpty() && Matcher.identity(a, nn);
                }
            }
            boolean oldSrc = Bits.get(s.ruleSrc[r], x);
            boolean oldIdent = Bits.get(s.ruleIdent[r], x);
            setBit(s.ruleSrc, ownedSrc, r, x, newSrc);
            boolean newDst;
            if (rule.self()) {
                newDst = newSrc;
                if (userSourcesChanged) {
                    for (String u : users) {
                        markAnd(dirty, s.userNodes.getOrDefault(u, Bits.EMPTY), s.ruleDst[r]);
                    }
                }
                if (oldSrc || newSrc) {
                    for (String u : users) {
                        markAnd(cand, s.userNodes.getOrDefault(u, Bits.EMPTY), s.ruleDst[r]);
                    }
                }
            } else {
                setBit(s.ruleIdent, ownedIdent, r, x, newIdent);
                if (oldIdent || newIdent) {
                    List<IpPrefix> before = s.ruleSources[r];
                    List<IpPrefix> after;
                    if (oldIdent && newIdent && sameAddresses) {
                        after = before;
                    } else {
                        final int rr = r;
                        final boolean added = !oldIdent;
                        after = memo.computeIfAbsent(rule.srcs(), k -> {
                            if (added) {
                                List<IpPrefix> all = new ArrayList<>(before);
                                all.addAll(nn.addresses());
                                return Ranges.compress(all);
                            }
                            return s.sources(k, s.ruleIdent[rr]);
                        });
                    }
                    if (!State.sameList(after, before)) {
                        s.ruleSources[r] = after;
                        mark(dirty, s.ruleDst[r]);
                    }
                }
                if (oldSrc || newSrc) {
                    mark(cand, s.ruleDst[r]);
                }
                newDst = false;
                if (nn != null) {
                    for (Model.Dst d : rule.dsts()) {
                        if (Matcher.isDestination(d.alias(), nn)) {
                            newDst = true;
                            break;
                        }
                    }
                }
            }
            setBit(s.ruleDst, ownedDst, r, x, newDst);
            if (newDst) {
                targets.add(r);
            }
        }
        s.nodeRules[x] = targets.stream().mapToInt(Integer::intValue).toArray();
        // filters
        for (int b = dirty.nextSetBit(0); b >= 0; b = dirty.nextSetBit(b + 1)) {
            s.rebuildFilter(b, b != x); // other nodes and their rule lists did not change: keep destinations
            touchedFilter.set(b);
        }
        // peers: X's row from scratch, X's bit in the rows of every node it may now or before have seen
        long[] inX = nn == null ? Bits.EMPTY : s.buildInbound(x, words);
        BitSet peerCand = cand;
        for (int b = Bits.next(inX, 0); b >= 0; b = Bits.next(inX, b + 1)) {
            peerCand.set(b);
        }
        long[] rowX = new long[words];
        // rows that shared a chunk share its successor (one memo per value of X's bit)
        ChunkedBits.Memo setMemo = new ChunkedBits.Memo();
        ChunkedBits.Memo clearMemo = new ChunkedBits.Memo();
        for (int b = peerCand.nextSetBit(0); b >= 0; b = peerCand.nextSetBit(b + 1)) {
            if (b == x || s.slots[b] == null) {
                continue;
            }
            boolean p = nn != null && (Bits.get(inX, b) || s.reaches(x, b));
            if (p) {
                Bits.set(rowX, b);
            }
            if (ChunkedBits.get(s.peers[b], x) != p) {
                s.peers[b] = ChunkedBits.with(s.peers[b], x, p, p ? setMemo : clearMemo);
                touchedPeers.set(b);
            }
        }
        s.peers[x] = ChunkedBits.of(rowX);
        touchedPeers.set(x);
        touchedFilter.set(x);
    }

    /**
     * User {@code u}'s compressed source prefixes after X's change ({@code row}: its nodes now, non-empty). X
     * joining the user adds its addresses to the old list (compression is canonical, so this equals compressing
     * every node's addresses); X staying with the same addresses keeps the list; anything else (X leaving, or its
     * addresses changing) recollects the addresses of the user's nodes.
     */
    private List<IpPrefix> userSources(String u, long[] row, List<IpPrefix> before, PolicyNode on, PolicyNode nn,
                                       boolean member, boolean sameAddresses) {
        boolean wasMember = userKeyed(on) && on.user().equals(u);
        if (member && wasMember && sameAddresses) {
            return before;
        }
        if (member && !wasMember) {
            List<IpPrefix> all = new ArrayList<>(before.size() + nn.addresses().size());
            all.addAll(before);
            all.addAll(nn.addresses());
            return Ranges.compress(all);
        }
        List<IpPrefix> addrs = new ArrayList<>();
        for (int i = Bits.next(row, 0); i >= 0; i = Bits.next(row, i + 1)) {
            addrs.addAll(s.slots[i].addresses());
        }
        return Ranges.compress(addrs);
    }

    private static void mark(BitSet into, long[] row) {
        for (int b = Bits.next(row, 0); b >= 0; b = Bits.next(row, b + 1)) {
            into.set(b);
        }
    }

    private static void markAnd(BitSet into, long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        for (int w = 0; w < n; w++) {
            long word = a[w] & b[w];
            while (word != 0) {
                into.set((w << 6) + Long.numberOfTrailingZeros(word));
                word &= word - 1;
            }
        }
    }

    private CompiledPolicy.Update finish(CompiledPolicy.PeerReport report) {
        Set<Long> filterChanged = new HashSet<>();
        Set<Long> peersChanged = new HashSet<>();
        for (int b = touchedFilter.nextSetBit(0); b >= 0; b = touchedFilter.nextSetBit(b + 1)) {
            List<FilterRule> before = b < oldSlots && old.slots[b] != null ? old.filters[b] : List.of();
            List<FilterRule> after = s.slots[b] != null ? s.filters[b] : List.of();
            if (!State.sameFilter(before, after)) {
                addIds(filterChanged, b);
            }
        }
        switch (report) {
            case CompiledPolicy.PeerReport.All all -> {
                for (int b = touchedPeers.nextSetBit(0); b >= 0; b = touchedPeers.nextSetBit(b + 1)) {
                    long[][] before = b < oldSlots && old.slots[b] != null ? old.peers[b] : ChunkedBits.EMPTY;
                    long[][] after = s.slots[b] != null ? s.peers[b] : ChunkedBits.EMPTY;
                    if (!ChunkedBits.same(before, after)) {
                        addIds(peersChanged, b);
                    }
                }
            }
            case CompiledPolicy.PeerReport.Only only -> {
                // by id, not by touched slot: a slot is never reused within one update, so an id's old and new
                // rows are its old and new slot's (or empty when it had none)
                for (long id : only.ids()) {
                    int was = old.index.get(id);
                    int is = s.index.get(id);
                    long[][] before = was < 0 ? ChunkedBits.EMPTY : old.peers[was];
                    long[][] after = is < 0 ? ChunkedBits.EMPTY : s.peers[is];
                    if (!ChunkedBits.same(before, after)) {
                        peersChanged.add(id);
                    }
                }
            }
        }
        s.freeSlots.addAll(freedNow);
        s.freeSlots.sort((a, b) -> Integer.compare(b, a));
        return new CompiledPolicy.Update(new CompiledPolicy(s), filterChanged, peersChanged);
    }

    private void addIds(Set<Long> into, int slot) {
        if (slot < oldSlots && old.slots[slot] != null) {
            into.add(old.slots[slot].id());
        }
        if (s.slots[slot] != null) {
            into.add(s.slots[slot].id());
        }
    }
}
