package dev.warren.control.internal.map;

import java.util.Arrays;

/**
 * A session's pending changes: node id → ORed change flags, in an open-addressing table of primitives. Merging a
 * change is the fan-out's inner loop (10,000 sessions × every change while 10,000 nodes come online), where a
 * {@code LinkedHashMap<Long, Integer>} spent most of its time boxing, allocating entries and resizing.
 *
 * <p>Invariants: {@code keys[i] == 0} marks a free slot, else it holds node id + 1; at most half the slots are used.
 * Not thread-safe: guarded by the owning session's lock.
 */
final class PendingChanges {
    private static final int INITIAL = 16;

    private long[] keys = new long[INITIAL];
    private int[] flags = new int[INITIAL];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** ORs {@code f} into the flags of node {@code id}. */
    void merge(long id, int f) {
        long k = id + 1;
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != 0) {
            if (keys[i] == k) {
                flags[i] |= f;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        flags[i] = f;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** Calls {@code action} for every entry, in no particular order. */
    void forEach(Entry action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                action.accept(keys[i] - 1, flags[i]);
            }
        }
    }

    boolean contains(long id) {
        return get(id) != 0;
    }

    /** The flags of node {@code id}, or 0 (changes always carry at least one flag). */
    int get(long id) {
        long k = id + 1;
        int mask = keys.length - 1;
        for (int i = slot(k, mask); keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == k) {
                return flags[i];
            }
        }
        return 0;
    }

    void clear() {
        keys = new long[INITIAL];
        flags = new int[INITIAL];
        size = 0;
    }

    /** One entry of {@link #forEach}. */
    interface Entry {
        void accept(long id, int flags);
    }

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldFlags = flags;
        keys = new long[oldKeys.length * 2];
        flags = new int[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                flags[i] = oldFlags[j];
            }
        }
        Arrays.fill(oldKeys, 0);
    }
}
