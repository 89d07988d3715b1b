package dev.warren.control.internal.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map whose copy-on-write updates copy one of {@value #BUCKETS} buckets and the bucket array instead of
 * the whole map: a node change in a 10,000-node snapshot copies about 40 entries and 512 references, not 10,000
 * entries. Reads ({@link #get}, iteration) cost what a HashMap's do.
 *
 * <p>Invariants: every bucket is an unmodifiable map; a key lives in bucket {@code spread(hash) & (BUCKETS-1)};
 * {@code size} is the sum of the bucket sizes. Instances are never mutated after construction.
 */
final class BucketMap<K, V> extends AbstractMap<K, V> {
    static final int BUCKETS = 512;
    @SuppressWarnings("rawtypes")
    private static final Map[] EMPTY_BUCKETS = new Map[BUCKETS];

    static {
        Arrays.fill(EMPTY_BUCKETS, Map.of());
    }

    private final Map<K, V>[] buckets;
    private final int size;

    private BucketMap(Map<K, V>[] buckets, int size) {
        this.buckets = buckets;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <K, V> BucketMap<K, V> empty() {
        return new BucketMap<>(EMPTY_BUCKETS.clone(), 0);
    }

    static <K, V> BucketMap<K, V> of(Map<K, V> m) {
        @SuppressWarnings("unchecked")
        HashMap<K, V>[] tmp = new HashMap[BUCKETS];
        for (Map.Entry<K, V> e : m.entrySet()) {
            int b = bucket(e.getKey());
            if (tmp[b] == null) {
                tmp[b] = new HashMap<>();
            }
            tmp[b].put(e.getKey(), e.getValue());
        }
        @SuppressWarnings("unchecked")
        Map<K, V>[] out = new Map[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            out[i] = tmp[i] == null ? Map.of() : Collections.unmodifiableMap(tmp[i]);
        }
        return new BucketMap<>(out, m.size());
    }

    private static int bucket(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return h & (BUCKETS - 1);
    }

    /** A new map with {@code key → value}. */
    BucketMap<K, V> with(K key, V value) {
        int b = bucket(key);
        HashMap<K, V> copy = new HashMap<>(buckets[b]);
        boolean added = copy.put(key, value) == null && !buckets[b].containsKey(key);
        Map<K, V>[] nb = buckets.clone();
        nb[b] = Collections.unmodifiableMap(copy);
        return new BucketMap<>(nb, added ? size + 1 : size);
    }

    /** A new map without {@code key} (this map when it is absent). */
    BucketMap<K, V> without(Object key) {
        int b = bucket(key);
        if (!buckets[b].containsKey(key)) {
            return this;
        }
        HashMap<K, V> copy = new HashMap<>(buckets[b]);
        copy.remove(key);
        Map<K, V>[] nb = buckets.clone();
        nb[b] = Collections.unmodifiableMap(copy);
        return new BucketMap<>(nb, size - 1);
    }

    /** Calls {@code f} for every value, without iterator or entry allocation per bucket (the full-map hot path). */
    void forEachValue(java.util.function.Consumer<? super V> f) {
        for (Map<K, V> b : buckets) {
            if (!b.isEmpty()) {
                b.values().forEach(f);
            }
        }
    }

    @Override
    public V get(Object key) {
        return key == null ? null : buckets[bucket(key)].get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return key != null && buckets[bucket(key)].containsKey(key);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<K, V>> iterator() {
                return new Iterator<>() {
                    int next;
                    Iterator<Entry<K, V>> current = Collections.emptyIterator();

                    @Override
                    public boolean hasNext() {
                        while (!current.hasNext() && next < BUCKETS) {
                            current = buckets[next++].entrySet().iterator();
                        }
                        return current.hasNext();
                    }

                    @Override
                    public Entry<K, V> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        return current.next();
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
