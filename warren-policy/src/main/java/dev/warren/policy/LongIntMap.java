package dev.warren.policy;

import java.util.Arrays;

/**
 * An open-addressing hash map from {@code long} ids to non-negative {@code int} slots (linear probing,
 * backward-shift deletion, load factor ≤ 1/2), used as {@link State}'s id → slot index.
 *
 * <p>Why not {@code HashMap<Long, Integer>}: every incremental update works on a copy of the index, and copying a
 * {@code HashMap} of 10,000 entries allocates and rehashes 10,000 entry objects — about a sixth of a node
 * registration's cost in a 10,000-node domain. {@link #copy} here is two array clones. Not thread-safe; a map
 * owned by a published {@link State} is never mutated.
 */
final class LongIntMap {
    private static final int FREE = -1;
    private long[] keys;
    private int[] values; // FREE marks an empty cell
    private int size;

    LongIntMap() {
        this(16);
    }

    private LongIntMap(int capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, FREE);
    }

    private LongIntMap(LongIntMap o) {
        keys = o.keys.clone();
        values = o.values.clone();
        size = o.size;
    }

    /** An independent copy. */
    LongIntMap copy() {
        return new LongIntMap(this);
    }

    int size() {
        return size;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private int cell(long key) {
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (values[i] != FREE && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** The slot of {@code key}, or -1 when absent. */
    int get(long key) {
        return values[cell(key)];
    }

    boolean containsKey(long key) {
        return get(key) >= 0;
    }

    /** Maps {@code key} to {@code value} (≥ 0); returns the previous value or -1. */
    int put(long key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("slot " + value + " is negative");
        }
        int i = cell(key);
        int prev = values[i];
        if (prev == FREE) {
            if ((size + 1) * 2 > keys.length) {
                grow();
                i = cell(key);
            }
            keys[i] = key;
            size++;
        }
        values[i] = value;
        return prev;
    }

    /** Removes {@code key}; returns its value or -1. */
    int remove(long key) {
        int mask = keys.length - 1;
        int i = cell(key);
        int prev = values[i];
        if (prev == FREE) {
            return FREE;
        }
        values[i] = FREE;
        size--;
        // backward shift: move later entries of the probe run into the hole when their home allows it
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != FREE; j = (j + 1) & mask) {
            int home = hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                values[j] = FREE;
                hole = j;
            }
        }
        return prev;
    }

    private void grow() {
        long[] k = keys;
        int[] v = values;
        keys = new long[k.length * 2];
        values = new int[k.length * 2];
        Arrays.fill(values, FREE);
        size = 0;
        for (int i = 0; i < k.length; i++) {
            if (v[i] != FREE) {
                put(k[i], v[i]);
            }
        }
    }

    /** The keys, in no particular order. */
    long[] keys() {
        long[] out = new long[size];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (values[i] != FREE) {
                out[n++] = keys[i];
            }
        }
        return out;
    }
}
