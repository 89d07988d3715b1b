package dev.warren.wireguard.tables;

import dev.warren.wire.net.IpPrefix;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * WireGuard's cryptokey routing table: maps IPv4 and IPv6 prefixes to the peer that owns them and answers
 * longest-prefix-match lookups for inner packet addresses (outbound: which peer to encrypt to; inbound:
 * whether the decrypted packet's source belongs to the peer it came from).
 *
 * <h2>Structure</h2>
 * Two persistent, path-compressed binary tries (one per address family). Every address is held as a
 * 128-bit left-aligned key in two {@code long}s ({@code hi}, {@code lo}); an IPv4 address occupies the top
 * 32 bits of {@code hi}, so one node type and one walk serve both families. A node carries a prefix (key,
 * length, precomputed masks), an optional owner and two children; a child's prefix extends its parent's
 * and is placed by the first bit after the parent's length. Nodes are immutable: a write copies the path
 * from the root to the changed node (at most 33 or 129 nodes, typically a handful) and shares everything
 * else.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Keys are masked: bits beyond a node's length are zero.</li>
 *   <li>A node without an owner ("glue") has exactly two children; removals collapse glue that would
 *       have fewer, so the trie never holds dead paths.</li>
 *   <li>{@code owners}, {@code byPeer} and the tries describe the same set of (prefix, peer) pairs.</li>
 *   <li>A prefix has at most one owner; {@code byPeer} keeps each peer's prefixes in insertion order,
 *       and re-inserting a prefix moves it to the end of its (new) owner's list, as wireguard-go does.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * Readers ({@link #lookupV4}, {@link #lookupV6}, {@link #lookup}) read one volatile root and walk final
 * fields of immutable nodes: no lock, no allocation, no retry, and they always see a complete trie, either
 * the one before or the one after any write. Writers hold {@code lock}, build the new trie privately and
 * publish it with one volatile write per address family; a {@link #batch} publishes many changes at once,
 * so readers never see a half-applied configuration within a family. {@link #entriesForPeer} is a
 * configuration-path read and takes the lock. Owners are compared with {@link Object#equals}; the engine's
 * peer objects use identity, which is what it wants.
 *
 * @param <P> the owner type (the engine's peer)
 */
public final class AllowedIps<P> {
    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final ReentrantLock lock = new ReentrantLock();
    private volatile Node<P> rootV4; // written under lock
    private volatile Node<P> rootV6; // written under lock
    private final Map<IpPrefix, P> owners = new HashMap<>(); // guarded by lock
    private final Map<P, LinkedHashSet<IpPrefix>> byPeer = new HashMap<>(); // guarded by lock

    /** Creates an empty table. */
    public AllowedIps() {
    }

    // ---------------------------------------------------------------- hot path

    /** The owner of the longest prefix containing the IPv4 address (first octet in the top byte), or null. */
    public P lookupV4(int addressBigEndian) {
        return find(rootV4, ((long) addressBigEndian) << 32, 0L);
    }

    /** The owner of the longest prefix containing the IPv6 address given as two big-endian halves, or null. */
    public P lookupV6(long high, long low) {
        return find(rootV6, high, low);
    }

    /**
     * The owner of the longest prefix containing the address in {@code addr[off, off+len)}, or null.
     *
     * @throws IllegalArgumentException if {@code len} is neither 4 nor 16
     */
    public P lookup(byte[] addr, int off, int len) {
        if (len == 4) {
            return lookupV4((int) INT_BE.get(addr, off));
        }
        if (len == 16) {
            return lookupV6((long) LONG_BE.get(addr, off), (long) LONG_BE.get(addr, off + 8));
        }
        throw new IllegalArgumentException("address length must be 4 or 16, got " + len);
    }

    private static <P> P find(Node<P> n, long hi, long lo) {
        P found = null;
        while (n != null) {
            if (((hi ^ n.hi) & n.maskHi) != 0 || ((lo ^ n.lo) & n.maskLo) != 0) {
                break;
            }
            if (n.peer != null) {
                found = n.peer;
            }
            if (n.bits == 128) {
                break;
            }
            n = bitAt(hi, lo, n.bits) == 0 ? n.zero : n.one;
        }
        return found;
    }

    // ---------------------------------------------------------------- configuration

    /** Makes {@code peer} the owner of {@code prefix}, taking it from any previous owner. */
    public void insert(IpPrefix prefix, P peer) {
        batch(b -> b.insert(prefix, peer));
    }

    /** Removes {@code prefix} if, and only if, {@code peer} owns it; returns whether it did. */
    public boolean remove(IpPrefix prefix, P peer) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(peer, "peer");
        lock.lock();
        try {
            if (!peer.equals(owners.get(prefix))) {
                return false;
            }
            Editor e = new Editor();
            e.removeLocked(prefix);
            e.publishLocked();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Removes every prefix {@code peer} owns, in one publication. */
    public void removeByPeer(P peer) {
        batch(b -> b.removeByPeer(peer));
    }

    /** The prefixes {@code peer} owns, in the order they were (last) inserted; empty if none. */
    public List<IpPrefix> entriesForPeer(P peer) {
        lock.lock();
        try {
            Set<IpPrefix> set = byPeer.get(peer);
            return set == null ? List.of() : List.copyOf(set);
        } finally {
            lock.unlock();
        }
    }

    /** Removes everything. */
    public void clear() {
        lock.lock();
        try {
            owners.clear();
            byPeer.clear();
            rootV4 = null;
            rootV6 = null;
        } finally {
            lock.unlock();
        }
    }

    /** Number of prefixes in the table. */
    public int size() {
        lock.lock();
        try {
            return owners.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies several changes so that readers see all of them or none. The changes are recorded while
     * {@code changes} runs and applied, in order, after it returns; if it throws, nothing is applied. Use it
     * for a whole {@code replace_allowed_ips} plus additions, or for one UAPI transaction.
     */
    public void batch(Consumer<? super Batch<P>> changes) {
        Batch<P> b = new Batch<>();
        changes.accept(b);
        List<Op<P>> ops = b.close();
        if (ops.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            Editor e = new Editor();
            for (Op<P> op : ops) {
                switch (op.kind) {
                    case INSERT -> e.insertLocked(op.prefix, op.peer);
                    case REMOVE -> {
                        if (op.peer.equals(owners.get(op.prefix))) {
                            e.removeLocked(op.prefix);
                        }
                    }
                    case REMOVE_BY_PEER -> {
                        Set<IpPrefix> set = byPeer.get(op.peer);
                        if (set != null) {
                            for (IpPrefix p : new ArrayList<>(set)) {
                                e.removeLocked(p);
                            }
                        }
                    }
                }
            }
            e.publishLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes recorded by {@link AllowedIps#batch}; they take effect together when the batch ends. A batch
     * must not be used after its {@code batch} call returns.
     *
     * @param <P> the owner type
     */
    public static final class Batch<P> {
        private List<Op<P>> ops = new ArrayList<>();

        private Batch() {
        }

        /** Records {@link AllowedIps#insert}. */
        public Batch<P> insert(IpPrefix prefix, P peer) {
            add(new Op<>(OpKind.INSERT, Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(peer, "peer")));
            return this;
        }

        /** Records {@link AllowedIps#remove} (applied only if {@code peer} owns the prefix at that point). */
        public Batch<P> remove(IpPrefix prefix, P peer) {
            add(new Op<>(OpKind.REMOVE, Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(peer, "peer")));
            return this;
        }

        /** Records {@link AllowedIps#removeByPeer}. */
        public Batch<P> removeByPeer(P peer) {
            add(new Op<>(OpKind.REMOVE_BY_PEER, null, Objects.requireNonNull(peer, "peer")));
            return this;
        }

        private void add(Op<P> op) {
            if (ops == null) {
                throw new IllegalStateException("batch already applied");
            }
            ops.add(op);
        }

        private List<Op<P>> close() {
            List<Op<P>> o = ops;
            ops = null;
            return o;
        }
    }

    private enum OpKind { INSERT, REMOVE, REMOVE_BY_PEER }

    private record Op<P>(OpKind kind, IpPrefix prefix, P peer) {
    }

    /** Accumulates new roots privately; only {@link #publishLocked} makes them visible. */
    private final class Editor {
        private Node<P> v4 = rootV4;
        private Node<P> v6 = rootV6;
        private boolean dirty4;
        private boolean dirty6;

        void insertLocked(IpPrefix prefix, P peer) {
            P old = owners.put(prefix, peer);
            if (old != null) {
                unlinkLocked(old, prefix);
            }
            byPeer.computeIfAbsent(peer, k -> new LinkedHashSet<>()).add(prefix);
            long hi = hiOf(prefix);
            long lo = loOf(prefix);
            if (prefix.isIpv4()) {
                v4 = AllowedIps.insert(v4, hi, lo, prefix.bits(), peer);
                dirty4 = true;
            } else {
                v6 = AllowedIps.insert(v6, hi, lo, prefix.bits(), peer);
                dirty6 = true;
            }
        }

        void removeLocked(IpPrefix prefix) {
            P old = owners.remove(prefix);
            if (old == null) {
                return;
            }
            unlinkLocked(old, prefix);
            long hi = hiOf(prefix);
            long lo = loOf(prefix);
            if (prefix.isIpv4()) {
                v4 = AllowedIps.remove(v4, hi, lo, prefix.bits());
                dirty4 = true;
            } else {
                v6 = AllowedIps.remove(v6, hi, lo, prefix.bits());
                dirty6 = true;
            }
        }

        private void unlinkLocked(P owner, IpPrefix prefix) {
            Set<IpPrefix> set = byPeer.get(owner);
            if (set != null && set.remove(prefix) && set.isEmpty()) {
                byPeer.remove(owner);
            }
        }

        void publishLocked() {
            if (dirty4) {
                rootV4 = v4;
            }
            if (dirty6) {
                rootV6 = v6;
            }
        }
    }

    // ---------------------------------------------------------------- persistent trie

    /** An immutable trie node; see the class comment for its invariants. */
    private static final class Node<P> {
        final long hi;
        final long lo;
        final long maskHi;
        final long maskLo;
        final int bits;
        final P peer;
        final Node<P> zero;
        final Node<P> one;

        Node(long hi, long lo, int bits, P peer, Node<P> zero, Node<P> one) {
            this.maskHi = maskHi(bits);
            this.maskLo = maskLo(bits);
            this.hi = hi & maskHi;
            this.lo = lo & maskLo;
            this.bits = bits;
            this.peer = peer;
            this.zero = zero;
            this.one = one;
        }

        Node<P> child(int bit) {
            return bit == 0 ? zero : one;
        }

        /** This node's prefix with different owner/children, collapsing ownerless nodes with < 2 children. */
        Node<P> with(P newPeer, Node<P> newZero, Node<P> newOne) {
            if (newPeer == null) {
                if (newZero == null) {
                    return newOne;
                }
                if (newOne == null) {
                    return newZero;
                }
            }
            if (newPeer == peer && newZero == zero && newOne == one) {
                return this;
            }
            return new Node<>(hi, lo, bits, newPeer, newZero, newOne);
        }

        Node<P> withChild(int bit, Node<P> child) {
            return bit == 0 ? with(peer, child, one) : with(peer, zero, child);
        }
    }

    private static <P> Node<P> insert(Node<P> n, long hi, long lo, int bits, P peer) {
        if (n == null) {
            return new Node<>(hi, lo, bits, peer, null, null);
        }
        int common = Math.min(Math.min(n.bits, bits), commonPrefixLength(n.hi, n.lo, hi, lo));
        if (common == n.bits) {
            if (bits == n.bits) {
                return n.with(peer, n.zero, n.one); // exact match: new owner
            }
            int b = bitAt(hi, lo, n.bits);
            return n.withChild(b, insert(n.child(b), hi, lo, bits, peer));
        }
        if (common == bits) {
            // The new prefix contains n: it becomes n's parent.
            return bitAt(n.hi, n.lo, bits) == 0
                    ? new Node<>(hi, lo, bits, peer, n, null)
                    : new Node<>(hi, lo, bits, peer, null, n);
        }
        // They diverge at bit `common`: join them under a glue node.
        Node<P> leaf = new Node<>(hi, lo, bits, peer, null, null);
        return bitAt(hi, lo, common) == 0
                ? new Node<>(hi, lo, common, null, leaf, n)
                : new Node<>(hi, lo, common, null, n, leaf);
    }

    private static <P> Node<P> remove(Node<P> n, long hi, long lo, int bits) {
        if (n == null || n.bits > bits || ((hi ^ n.hi) & n.maskHi) != 0 || ((lo ^ n.lo) & n.maskLo) != 0) {
            return n; // not present
        }
        if (n.bits == bits) {
            return n.with(null, n.zero, n.one);
        }
        int b = bitAt(hi, lo, n.bits);
        Node<P> child = n.child(b);
        Node<P> newChild = remove(child, hi, lo, bits);
        return newChild == child ? n : n.withChild(b, newChild);
    }

    // ---------------------------------------------------------------- bit helpers

    private static int bitAt(long hi, long lo, int i) {
        return i < 64 ? (int) (hi >>> (63 - i)) & 1 : (int) (lo >>> (127 - i)) & 1;
    }

    private static int commonPrefixLength(long aHi, long aLo, long bHi, long bLo) {
        long x = aHi ^ bHi;
        return x != 0 ? Long.numberOfLeadingZeros(x) : 64 + Long.numberOfLeadingZeros(aLo ^ bLo);
    }

    private static long maskHi(int bits) {
        return bits <= 0 ? 0L : bits >= 64 ? -1L : -1L << (64 - bits);
    }

    private static long maskLo(int bits) {
        return bits <= 64 ? 0L : bits >= 128 ? -1L : -1L << (128 - bits);
    }

    private static long hiOf(IpPrefix p) {
        long v = 0;
        int n = p.isIpv4() ? 4 : 8;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (i < n ? p.byteAt(i) : 0);
        }
        return v;
    }

    private static long loOf(IpPrefix p) {
        if (p.isIpv4()) {
            return 0L;
        }
        long v = 0;
        for (int i = 8; i < 16; i++) {
            v = (v << 8) | p.byteAt(i);
        }
        return v;
    }
}
