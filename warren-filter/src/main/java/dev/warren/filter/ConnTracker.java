package dev.warren.filter;

/**
 * The table of tracked flows: bounded, set-associative, allocation-free. A flow is keyed from the node's side —
 * (family, protocol, local address, remote address, local port, remote port) — whichever side opened it, so an
 * outbound packet (local = its source), an inbound packet (local = its destination) and the packet quoted in an
 * inbound ICMP error (a packet this node sent: local = its source) all look up the same entry. ICMP echo flows
 * use the echo identifier as the local port and 0 as the remote one; protocols without ports use 0 and 0.
 *
 * <pre>
 * slot = set · {@value #WAYS} + way        set = hash(key) mod sets (a power of two)
 * per slot: localHi, localLo, remoteHi, remoteLo, meta (family ‖ proto ‖ lport ‖ rport ‖ closing ‖ used),
 *           deadline (Clock nanos after which the flow is idle-expired)
 * insert:   the key's own slot, else an empty or expired slot of its set, else the slot nearest its deadline
 *           (evicted, counted): an idle UDP flow goes before an active TCP connection
 * </pre>
 * Idle timeouts are per protocol ({@link PacketFilter.Options}); a TCP flow that saw FIN or RST keeps only the
 * short closing timeout until a new SYN reopens it.
 *
 * <p>Concurrency: the TUN reader inserts outbound flows while engine threads look up and insert inbound ones.
 * Each set is guarded by one of {@value #STRIPES} stripe monitors ({@code stripes[set & (STRIPES-1)]}); all
 * slot arrays are read and written only under the stripe of their set. {@link #evictions} is atomic.
 */
final class ConnTracker {
    static final int WAYS = 8;
    static final int STRIPES = 64;
    private static final long USED = 1L << 63;
    private static final long CLOSING = 1L << 62;
    private static final long KEY_MASK = ~(USED | CLOSING);

    private final int sets;
    private final long[] localHi;
    private final long[] localLo;
    private final long[] remoteHi;
    private final long[] remoteLo;
    private final long[] meta;
    private final long[] deadline;
    private final Object[] stripes = new Object[STRIPES];
    private final java.util.concurrent.atomic.AtomicLong evictions = new java.util.concurrent.atomic.AtomicLong();

    /** A table of at least {@code capacity} flows (rounded up to a power of two, at least {@value #WAYS}). */
    ConnTracker(int capacity) {
        int s = Integer.highestOneBit(Math.max(WAYS, capacity) - 1) << 1;
        this.sets = Math.max(1, s / WAYS);
        int slots = sets * WAYS;
        localHi = new long[slots];
        localLo = new long[slots];
        remoteHi = new long[slots];
        remoteLo = new long[slots];
        meta = new long[slots];
        deadline = new long[slots];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    int capacity() {
        return sets * WAYS;
    }

    long evictions() {
        return evictions.get();
    }

    /** family (1 bit: 0 = IPv4) ‖ proto (8) ‖ lport (16) ‖ rport (16), with the USED bit. */
    static long key(int family, int proto, int lport, int rport) {
        return USED | ((long) (family == 6 ? 1 : 0) << 40) | ((long) (proto & 0xff) << 32) | ((long) lport << 16)
                | rport;
    }

    private int setOf(long key, long lHi, long lLo, long rHi, long rLo) {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= lLo * 0xC2B2AE3D27D4EB4FL;
        h ^= rLo * 0x165667B19E3779F9L;
        h ^= (lHi ^ Long.rotateLeft(rHi, 29)) * 0x27D4EB2F165667C5L;
        h ^= h >>> 29;
        h *= 0x94D049BB133111EBL;
        h ^= h >>> 32;
        return (int) h & (sets - 1);
    }

    private int find(int base, long key, long lHi, long lLo, long rHi, long rLo) {
        for (int i = base; i < base + WAYS; i++) {
            if ((meta[i] & KEY_MASK) == (key & KEY_MASK) && (meta[i] & USED) != 0 && localLo[i] == lLo
                    && remoteLo[i] == rLo && localHi[i] == lHi && remoteHi[i] == rHi) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Inserts or refreshes a flow. {@code closing} marks a TCP FIN/RST (the flow keeps only {@code closingTimeout});
     * {@code reopen} (a SYN) clears an earlier closing mark.
     */
    void track(long key, long lHi, long lLo, long rHi, long rLo, long now, long idleTimeout, boolean closing,
               boolean reopen, long closingTimeout) {
        int set = setOf(key, lHi, lLo, rHi, rLo);
        int base = set * WAYS;
        synchronized (stripes[set & (STRIPES - 1)]) {
            int i = find(base, key, lHi, lLo, rHi, rLo);
            if (i >= 0 && deadline[i] - now > 0) {
                refreshLocked(i, now, idleTimeout, closing, reopen, closingTimeout);
                return;
            }
            if (i < 0) {
                i = victimLocked(base, now);
            }
            localHi[i] = lHi;
            localLo[i] = lLo;
            remoteHi[i] = rHi;
            remoteLo[i] = rLo;
            meta[i] = key | (closing ? CLOSING : 0);
            deadline[i] = now + (closing ? closingTimeout : idleTimeout);
        }
    }

    private void refreshLocked(int i, long now, long idleTimeout, boolean closing, boolean reopen,
                               long closingTimeout) {
        if (reopen) {
            meta[i] &= ~CLOSING;
        }
        if (closing) {
            meta[i] |= CLOSING;
        }
        deadline[i] = now + ((meta[i] & CLOSING) != 0 ? closingTimeout : idleTimeout);
    }

    private int victimLocked(int base, long now) {
        int victim = base;
        for (int i = base; i < base + WAYS; i++) {
            if ((meta[i] & USED) == 0 || deadline[i] - now <= 0) {
                return i;
            }
            if (deadline[i] - deadline[victim] < 0) {
                victim = i;
            }
        }
        evictions.incrementAndGet();
        return victim;
    }

    /** Result of {@link #lookup}: no live entry. */
    static final int MISS = 0;
    /** A live entry. */
    static final int OPEN = 1;
    /** A live TCP entry that saw FIN or RST. */
    static final int CLOSING_FLOW = 2;

    /**
     * Looks a flow up and, when live and {@code refresh}, renews its idle deadline (applying {@code closing}).
     * Returns {@link #MISS}, {@link #OPEN} or {@link #CLOSING_FLOW}.
     */
    int lookup(long key, long lHi, long lLo, long rHi, long rLo, long now, boolean refresh, long idleTimeout,
               boolean closing, long closingTimeout) {
        int set = setOf(key, lHi, lLo, rHi, rLo);
        int base = set * WAYS;
        synchronized (stripes[set & (STRIPES - 1)]) {
            int i = find(base, key, lHi, lLo, rHi, rLo);
            if (i < 0 || deadline[i] - now <= 0) {
                return MISS;
            }
            int state = (meta[i] & CLOSING) != 0 ? CLOSING_FLOW : OPEN;
            if (refresh) {
                refreshLocked(i, now, idleTimeout, closing, false, closingTimeout);
            }
            return state;
        }
    }

    /** The number of live flows (scans the table; for snapshots). */
    int live(long now) {
        int n = 0;
        for (int set = 0; set < sets; set++) {
            synchronized (stripes[set & (STRIPES - 1)]) {
                for (int i = set * WAYS; i < set * WAYS + WAYS; i++) {
                    if ((meta[i] & USED) != 0 && deadline[i] - now > 0) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Forgets every flow. */
    void clear() {
        for (int set = 0; set < sets; set++) {
            synchronized (stripes[set & (STRIPES - 1)]) {
                for (int i = set * WAYS; i < set * WAYS + WAYS; i++) {
                    meta[i] = 0;
                }
            }
        }
    }
}
