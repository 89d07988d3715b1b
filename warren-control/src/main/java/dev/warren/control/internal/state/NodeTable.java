package dev.warren.control.internal.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The snapshot's nodes by id: an immutable two-level array (node ids are dense, handed out in order) that a write
 * copies in O(nodes / {@value #CHUNK} + {@value #CHUNK}) — the changed chunk and the chunk index — where copying a
 * {@code HashMap} of 10,000 nodes per write cost ~13 % of the server's CPU while 10,000 nodes came online.
 *
 * <p>Invariants: immutable; {@code size} counts the non-null slots; ids are in {@code [0, Integer.MAX_VALUE]}.
 * Iteration is in id order.
 */
final class NodeTable extends AbstractMap<Long, NodeEntry> {
    static final int CHUNK = 256;
    private static final NodeEntry[][] NONE = new NodeEntry[0][];
    static final NodeTable EMPTY = new NodeTable(NONE, 0);

    private final NodeEntry[][] chunks;
    private final int size;

    private NodeTable(NodeEntry[][] chunks, int size) {
        this.chunks = chunks;
        this.size = size;
    }

    static NodeTable of(Iterable<NodeEntry> entries) {
        NodeTable t = EMPTY;
        for (NodeEntry e : entries) {
            t = t.with(e);
        }
        return t;
    }

    private static int index(long id) {
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("node id " + id + " out of range");
        }
        return (int) id;
    }

    /** A table with {@code e} added or replacing the entry of its id. */
    NodeTable with(NodeEntry e) {
        int i = index(e.id());
        int c = i / CHUNK;
        NodeEntry[][] top = Arrays.copyOf(chunks, Math.max(chunks.length, c + 1));
        NodeEntry[] chunk = top[c] == null ? new NodeEntry[CHUNK] : top[c].clone();
        boolean added = chunk[i % CHUNK] == null;
        chunk[i % CHUNK] = e;
        top[c] = chunk;
        return new NodeTable(top, added ? size + 1 : size);
    }

    /** A table without id {@code id}; this one if it is absent. */
    NodeTable without(long id) {
        if (get(id) == null) {
            return this;
        }
        int i = (int) id;
        NodeEntry[][] top = chunks.clone();
        NodeEntry[] chunk = top[i / CHUNK].clone();
        chunk[i % CHUNK] = null;
        top[i / CHUNK] = chunk;
        return new NodeTable(top, size - 1);
    }

    @Override
    public NodeEntry get(Object key) {
        if (!(key instanceof Long id) || id < 0 || id > Integer.MAX_VALUE) {
            return null;
        }
        int i = (int) (long) id;
        int c = i / CHUNK;
        if (c >= chunks.length || chunks[c] == null) {
            return null;
        }
        return chunks[c][i % CHUNK];
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<Long, NodeEntry>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<Long, NodeEntry>> iterator() {
                Iterator<NodeEntry> it = entries();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Entry<Long, NodeEntry> next() {
                        NodeEntry e = it.next();
                        return Map.entry(e.id(), e);
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    @Override
    public java.util.Collection<NodeEntry> values() {
        return new java.util.AbstractCollection<>() {
            @Override
            public Iterator<NodeEntry> iterator() {
                return entries();
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private Iterator<NodeEntry> entries() {
        return new Iterator<>() {
            int c;
            int i = -1;
            NodeEntry next = advance();

            private NodeEntry advance() {
                while (c < chunks.length) {
                    NodeEntry[] chunk = chunks[c];
                    if (chunk != null) {
                        while (++i < CHUNK) {
                            if (chunk[i] != null) {
                                return chunk[i];
                            }
                        }
                    }
                    c++;
                    i = -1;
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public NodeEntry next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                NodeEntry e = next;
                next = advance();
                return e;
            }
        };
    }
}
