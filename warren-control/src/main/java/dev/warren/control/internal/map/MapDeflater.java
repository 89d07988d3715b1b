package dev.warren.control.internal.map;

import dev.warren.control.internal.state.NodeEntry;
import dev.warren.wire.control.ControlJson;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;

/**
 * Compresses map responses for streams that accept DEFLATE ({@link ControlJson}'s compressed form), compressing
 * each peer's bytes about once instead of once per recipient.
 *
 * <p>A raw DEFLATE stream may be cut after any full flush: the pieces are byte-aligned and refer to nothing before
 * them, so independently compressed pieces concatenate into one valid stream (what pigz does). A full map is
 * 1. the envelope up to {@code "peers":[}, compressed now; 2. for each group of {@link #GROUP} consecutive node ids,
 * the group's peers, comma-separated, each group after the first preceded by a compressed comma; 3. the rest of the
 * envelope, compressed now, ending the stream. A group's compressed bytes are cached with the exact entries they were
 * made from and reused while the snapshot holds the same entries (identity); the group holding the recipient itself
 * is always compressed afresh, without it. The cache holds at most one segment per group ever used (~10 KB per 64
 * nodes); groups of deleted nodes stay until the server restarts.
 *
 * <p>Concurrency: thread-safe. The cache is a concurrent map of immutable values; racing writers of one group store
 * equal bytes. Deflaters are pooled (bounded) because each holds ~300 KB of native memory.
 */
final class MapDeflater {
    /** Node ids per cached group: small enough that one changed node costs little to recompress. */
    static final int GROUP = 64;
    /** Deflate level: BEST_SPEED compresses peer lists ~5× at several hundred MB/s. */
    static final int LEVEL = Deflater.BEST_SPEED;
    private static final int POOL = 8;

    private record Key(long domain, long group) {
    }

    private record Segment(NodeEntry[] entries, byte[] deflated) {
    }

    private final ConcurrentHashMap<Key, Segment> cache = new ConcurrentHashMap<>();
    private final ArrayBlockingQueue<Deflater> pool = new ArrayBlockingQueue<>(POOL);
    private final byte[] comma;

    MapDeflater() {
        comma = piece(new byte[]{','}, 0, 1, false);
    }

    /** A compressed full map: envelope {@code env} from {@link MapEncoder#fullEnvelope} with {@code peers}. */
    byte[] full(byte[] env, NodeEntry self, List<NodeEntry> peers) {
        int close = MapEncoder.peersClose(env);
        List<NodeEntry> sorted = new ArrayList<>(peers);
        sorted.sort(Comparator.comparingLong(NodeEntry::id));
        Out out = new Out(peers.size() * 160 + 256);
        out.write(ControlJson.DEFLATED);
        out.writeBytes(piece(env, 0, close, false));
        long selfGroup = self.id() / GROUP;
        boolean first = true;
        for (int i = 0; i < sorted.size(); ) {
            long group = sorted.get(i).id() / GROUP;
            int j = i;
            while (j < sorted.size() && sorted.get(j).id() / GROUP == group) {
                j++;
            }
            if (!first) {
                out.writeBytes(comma);
            }
            first = false;
            out.writeBytes(segment(self.domainId(), group, sorted.subList(i, j), group != selfGroup));
            i = j;
        }
        out.writeBytes(piece(env, close, env.length - close, true));
        return out.bytes();
    }

    /** Compresses a whole message as one stream. */
    byte[] whole(byte[] json) {
        Out out = new Out(json.length / 3 + 64);
        out.write(ControlJson.DEFLATED);
        out.writeBytes(piece(json, 0, json.length, true));
        return out.bytes();
    }

    private byte[] segment(long domain, long group, List<NodeEntry> run, boolean cacheable) {
        Key key = new Key(domain, group);
        if (cacheable) {
            Segment s = cache.get(key);
            if (s != null && same(s.entries, run)) {
                return s.deflated;
            }
        }
        int size = run.size() - 1;
        for (NodeEntry e : run) {
            size += e.json().length;
        }
        byte[] joined = new byte[size];
        int at = 0;
        for (NodeEntry e : run) {
            if (at > 0) {
                joined[at++] = ',';
            }
            System.arraycopy(e.json(), 0, joined, at, e.json().length);
            at += e.json().length;
        }
        byte[] d = piece(joined, 0, joined.length, false);
        if (cacheable) {
            cache.put(key, new Segment(run.toArray(new NodeEntry[0]), d));
        }
        return d;
    }

    private static boolean same(NodeEntry[] cached, List<NodeEntry> run) {
        if (cached.length != run.size()) {
            return false;
        }
        for (int i = 0; i < cached.length; i++) {
            if (cached[i] != run.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** One independently decodable piece: a full flush, or the end of the stream if {@code last}. */
    private byte[] piece(byte[] in, int off, int len, boolean last) {
        Deflater d = pool.poll();
        if (d == null) {
            d = new Deflater(LEVEL, true);
        }
        try {
            d.setInput(in, off, len);
            if (last) {
                d.finish();
            }
            byte[] buf = new byte[len / 3 + 64];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                n += d.deflate(buf, n, buf.length - n, last ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
                if (last ? d.finished() : n < buf.length) {
                    break;
                }
            }
            return Arrays.copyOf(buf, n);
        } finally {
            d.reset();
            if (!pool.offer(d)) {
                d.end();
            }
        }
    }

    private static final class Out extends ByteArrayOutputStream {
        Out(int size) {
            super(size);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }
}
