package dev.warren.wireguard.tables;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The session index map: WireGuard names each handshake and keypair by a random 32-bit "sender index"
 * chosen by its owner, and every message a peer sends back carries it as the receiver index. This table
 * hands out those indices and resolves them on the receive path.
 *
 * <h2>Structure</h2>
 * An open-addressing hash table with linear probing over an array of immutable {@code Entry(index,
 * value)} objects. Index 0 is never allocated, so a removed slot holds a shared {@code TOMBSTONE} entry
 * with index 0, which no lookup can match; {@code null} means "never used" and ends a probe. The array
 * length is a power of two and live entries plus tombstones never exceed half of it, so every probe
 * meets a {@code null}.
 *
 * <h2>Concurrency</h2>
 * {@link #get} reads the volatile {@code table} reference once and then single slots with acquire
 * semantics; it takes no lock, allocates nothing (no {@code Integer} boxing) and returns the value of an
 * entry it saw whole, because each slot changes by replacing one reference. Writers ({@link #allocate},
 * {@link #put}, {@link #remove}) hold {@code lock}: they change slots of the current array with release
 * writes, or, when tombstones or growth call for it, build a fresh array privately and publish it with one
 * volatile write, after which the old array is never written again. A reader racing with a writer sees
 * the slot before or after the change, the same as if the two had been ordered either way.
 *
 * <p>The random generator is only used under the lock, so a non-thread-safe generator is fine; give it a
 * {@link java.security.SecureRandom} in production so indices do not leak session information.
 *
 * @param <T> the value type (the engine's handshake or keypair)
 */
public final class IndexTable<T> {
    private static final int MIN_CAPACITY = 16;
    private static final int MAX_ENTRIES = 1 << 28;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Entry[].class);
    private static final Entry TOMBSTONE = new Entry(0, null);

    private final ReentrantLock lock = new ReentrantLock();
    private final RandomGenerator rng; // guarded by lock
    private volatile Entry[] table; // slots written under lock
    private volatile int size; // written under lock
    private int used; // live entries + tombstones; guarded by lock

    /** Creates an empty table drawing indices from {@code rng}. */
    public IndexTable(RandomGenerator rng) {
        this.rng = Objects.requireNonNull(rng, "rng");
        this.table = new Entry[MIN_CAPACITY];
    }

    /** The value mapped to {@code index}, or null. Lock-free and allocation-free. */
    @SuppressWarnings("unchecked")
    public T get(int index) {
        if (index == 0) {
            return null;
        }
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = spread(index) & mask; ; i = (i + 1) & mask) {
            Entry e = (Entry) SLOT.getAcquire(t, i);
            if (e == null) {
                return null;
            }
            if (e.index == index) {
                return (T) e.value;
            }
        }
    }

    /**
     * Maps {@code value} to a fresh random index that is non-zero and not in use, and returns it.
     *
     * @throws IllegalStateException if the table is absurdly full (2^28 entries)
     */
    public int allocate(T value) {
        Objects.requireNonNull(value, "value");
        lock.lock();
        try {
            if (size >= MAX_ENTRIES) {
                throw new IllegalStateException("index table full");
            }
            if (used + 1 > table.length / 2) {
                rehashLocked(size + 1);
            }
            while (true) {
                int index = rng.nextInt();
                if (index != 0 && findLocked(table, index) < 0) {
                    insertLocked(index, value);
                    return index;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the value of an allocated index (a handshake's index becoming its keypair's). Returns false,
     * changing nothing, if {@code index} is not allocated, for instance because it was removed meanwhile.
     */
    public boolean put(int index, T value) {
        Objects.requireNonNull(value, "value");
        lock.lock();
        try {
            Entry[] t = table;
            int slot = findLocked(t, index);
            if (slot < 0) {
                return false;
            }
            SLOT.setRelease(t, slot, new Entry(index, value));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Frees {@code index} if it currently maps to {@code expected} (the same object); returns whether it did. */
    public boolean remove(int index, T expected) {
        lock.lock();
        try {
            Entry[] t = table;
            int slot = findLocked(t, index);
            if (slot < 0 || t[slot].value != expected) {
                return false;
            }
            SLOT.setRelease(t, slot, TOMBSTONE);
            size = size - 1;
            if (size < t.length / 16 && t.length > MIN_CAPACITY) {
                rehashLocked(size);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Number of allocated indices. */
    public int size() {
        return size;
    }

    private int findLocked(Entry[] t, int index) {
        if (index == 0) {
            return -1;
        }
        int mask = t.length - 1;
        for (int i = spread(index) & mask; ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null) {
                return -1;
            }
            if (e.index == index) {
                return i;
            }
        }
    }

    /** Inserts an index known to be absent, reusing the first tombstone on its probe path. */
    private void insertLocked(int index, Object value) {
        Entry[] t = table;
        int mask = t.length - 1;
        int i = spread(index) & mask;
        while (t[i] != null && t[i] != TOMBSTONE) {
            i = (i + 1) & mask;
        }
        if (t[i] == null) {
            used++;
        }
        SLOT.setRelease(t, i, new Entry(index, value));
        size = size + 1;
    }

    /** Copies live entries into a fresh array sized for {@code expected} entries at load 1/4 and publishes it. */
    private void rehashLocked(int expected) {
        int cap = MIN_CAPACITY;
        while (cap < expected * 4) {
            cap <<= 1;
        }
        Entry[] old = table;
        Entry[] fresh = new Entry[cap];
        int mask = cap - 1;
        for (Entry e : old) {
            if (e != null && e != TOMBSTONE) {
                int i = spread(e.index) & mask;
                while (fresh[i] != null) {
                    i = (i + 1) & mask;
                }
                fresh[i] = e;
            }
        }
        used = size;
        table = fresh; // publishes the filled array
    }

    /** Mixes the index so that sequential or structured indices (tests, bad generators) still spread. */
    private static int spread(int index) {
        int h = index * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static final class Entry {
        final int index;
        final Object value;

        Entry(int index, Object value) {
            this.index = index;
            this.value = value;
        }
    }
}
