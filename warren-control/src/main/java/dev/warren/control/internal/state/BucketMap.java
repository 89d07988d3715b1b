package dev.warren.control.internal.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable hash map whose writes copy one bucket and the bucket index ({@value #BUCKETS} references) instead of
 * the whole map: the snapshot's indexes (node key, machine key, name → node ids) change on every registration, and
 * copying a 10,000-entry {@code HashMap} each time made registration O(nodes).
 *
 * <p>Invariants: immutable; a bucket is an array of alternating keys and values with no duplicate key; null keys
 * and values are not allowed.
 *
 * @param <K> key type, with value equality
 * @param <V> value type
 */
final class BucketMap<K, V> extends AbstractMap<K, V> {
    private static final int BUCKETS = 1024;
    private static final BucketMap<?, ?> EMPTY = new BucketMap<>(new Object[BUCKETS][], 0);

    private final Object[][] buckets;
    private final int size;

    private BucketMap(Object[][] buckets, int size) {
        this.buckets = buckets;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <K, V> BucketMap<K, V> empty() {
        return (BucketMap<K, V>) EMPTY;
    }

    static <K, V> BucketMap<K, V> copyOf(Map<K, V> m) {
        BucketMap<K, V> b = empty();
        for (Entry<K, V> e : m.entrySet()) {
            b = b.with(e.getKey(), e.getValue());
        }
        return b;
    }

    private static int bucket(Object key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (BUCKETS - 1);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        if (key == null) {
            return null;
        }
        Object[] b = buckets[bucket(key)];
        if (b != null) {
            for (int i = 0; i < b.length; i += 2) {
                if (b[i].equals(key)) {
                    return (V) b[i + 1];
                }
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    /** This map with {@code key} mapped to {@code value}. */
    BucketMap<K, V> with(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int k = bucket(key);
        Object[] b = buckets[k];
        Object[] nb;
        boolean added = true;
        if (b == null) {
            nb = new Object[]{key, value};
        } else {
            int at = -1;
            for (int i = 0; i < b.length; i += 2) {
                if (b[i].equals(key)) {
                    at = i;
                    break;
                }
            }
            if (at >= 0) {
                nb = b.clone();
                nb[at + 1] = value;
                added = false;
            } else {
                nb = Arrays.copyOf(b, b.length + 2);
                nb[b.length] = key;
                nb[b.length + 1] = value;
            }
        }
        Object[][] top = buckets.clone();
        top[k] = nb;
        return new BucketMap<>(top, added ? size + 1 : size);
    }

    /** This map without {@code key}; this one if it is absent. */
    BucketMap<K, V> without(K key) {
        int k = bucket(key);
        Object[] b = buckets[k];
        if (b == null) {
            return this;
        }
        for (int i = 0; i < b.length; i += 2) {
            if (b[i].equals(key)) {
                Object[] nb;
                if (b.length == 2) {
                    nb = null;
                } else {
                    nb = new Object[b.length - 2];
                    System.arraycopy(b, 0, nb, 0, i);
                    System.arraycopy(b, i + 2, nb, i, b.length - i - 2);
                }
                Object[][] top = buckets.clone();
                top[k] = nb;
                return new BucketMap<>(top, size - 1);
            }
        }
        return this;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Set<Entry<K, V>> entrySet() {
        List<Entry<K, V>> all = new ArrayList<>(size);
        for (Object[] b : buckets) {
            if (b != null) {
                for (int i = 0; i < b.length; i += 2) {
                    all.add(Map.entry((K) b[i], (V) b[i + 1]));
                }
            }
        }
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<K, V>> iterator() {
                return java.util.Collections.unmodifiableList(all).iterator();
            }

            @Override
            public int size() {
                return all.size();
            }
        };
    }
}
