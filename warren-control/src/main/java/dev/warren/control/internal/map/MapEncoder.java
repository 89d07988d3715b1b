package dev.warren.control.internal.map;

import dev.warren.control.internal.state.NodeEntry;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Encodes map responses by splicing the cached JSON of each {@link NodeEntry} into an envelope that Jackson encodes,
 * so a full map of N peers costs one copy of N cached encodings instead of N Jackson serializations. The bytes are
 * exactly those {@link ControlJson#encode} makes of the equivalent {@link MapResponse}.
 *
 * <p>Flow: 1. encode the envelope with an empty list in each spliced field ({@code "peers":[]},
 * {@code "peersChanged":[]}, {@code "peersChangedPatch":[]}); 2. find each placeholder (searching from the end:
 * string values cannot contain an unescaped quote, and the only fields after them are the validated settings, the
 * control time, the relay map and the packet filter, whose property names differ from the placeholders') and
 * 3. copy the envelope around it with the cached elements, comma-separated, inside the brackets.
 *
 * <p>Stateless and thread-safe.
 */
final class MapEncoder {
    private static final byte[] PEERS = "\"peers\":[]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHANGED = "\"peersChanged\":[]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PATCHES = "\"peersChangedPatch\":[]".getBytes(StandardCharsets.US_ASCII);

    private MapEncoder() {
    }

    /** A full map: {@code self}'s node, {@code peers}' nodes in order. */
    static byte[] full(String handle, long seq, NodeEntry self, List<NodeEntry> peers, ControlSettings settings,
                       RelayMap relayMap, List<FilterRule> packetFilter, Instant now) {
        return full(fullEnvelope(handle, seq, self, settings, relayMap, packetFilter, now), peers);
    }

    /**
     * The full map with an empty peer list, to splice peers into at {@link #peersClose}; {@code packetFilter} null
     * for a client that predates filters.
     */
    static byte[] fullEnvelope(String handle, long seq, NodeEntry self, ControlSettings settings, RelayMap relayMap,
                               List<FilterRule> packetFilter, Instant now) {
        return ControlJson.encode(MapResponse.full(handle, seq, self.wire(), List.of(), settings, relayMap,
                packetFilter, now));
    }

    /** The index of the closing bracket of the empty peer list in {@code env}. */
    static int peersClose(byte[] env) {
        return lastIndexOf(env, PEERS, env.length) + PEERS.length - 1;
    }

    /** Full map envelope {@code env} with {@code peers} spliced in. */
    static byte[] full(byte[] env, List<NodeEntry> peers) {
        int close = peersClose(env);
        int size = env.length + Math.max(0, peers.size() - 1);
        for (NodeEntry p : peers) {
            size += p.json().length;
        }
        Out out = new Out(size);
        out.write(env, 0, close);
        for (int i = 0; i < peers.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            byte[] j = peers.get(i).json();
            out.write(j, 0, j.length);
        }
        out.write(env, close, env.length - close);
        return out.bytes();
    }

    /** A patch of one peer: which entry, and which of its parts changed. */
    record Patch(NodeEntry entry, boolean endpoints, boolean online, boolean disco) {
        byte[] json() {
            return entry.patchJson(endpoints, online, disco);
        }
    }

    /**
     * A delta; empty lists are left out like nulls; {@code relayMap} is null unless it changed, {@code packetFilter}
     * null unless the node's filter changed (an empty list: deny everything).
     */
    static byte[] delta(String handle, long seq, Node self, List<NodeEntry> changed, List<Long> removed,
                        List<Patch> patches, RelayMap relayMap, List<FilterRule> packetFilter, Instant now) {
        MapResponse r = new MapResponse(handle, seq, false, self, null, changed.isEmpty() ? null : List.of(),
                removed.isEmpty() ? null : removed, patches.isEmpty() ? null : List.of(), null, now, relayMap,
                packetFilter);
        byte[] env = ControlJson.encode(r);
        if (changed.isEmpty() && patches.isEmpty()) {
            return env;
        }
        int size = env.length + Math.max(0, changed.size() - 1) + Math.max(0, patches.size() - 1);
        for (NodeEntry e : changed) {
            size += e.json().length;
        }
        for (Patch p : patches) {
            size += p.json().length;
        }
        Out out = new Out(size);
        int patchAt = patches.isEmpty() ? env.length : lastIndexOf(env, PATCHES, env.length);
        int changedAt = changed.isEmpty() ? patchAt : lastIndexOf(env, CHANGED, patchAt);
        int pos = 0;
        if (!changed.isEmpty()) {
            int open = changedAt + CHANGED.length - 1;
            out.write(env, 0, open);
            for (int i = 0; i < changed.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                byte[] j = changed.get(i).json();
                out.write(j, 0, j.length);
            }
            pos = open;
        }
        if (!patches.isEmpty()) {
            int open = patchAt + PATCHES.length - 1;
            out.write(env, pos, open - pos);
            for (int i = 0; i < patches.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                byte[] j = patches.get(i).json();
                out.write(j, 0, j.length);
            }
            pos = open;
        }
        out.write(env, pos, env.length - pos);
        return out.bytes();
    }

    /** The last index of {@code needle} in {@code hay} that starts before {@code before}. */
    static int lastIndexOf(byte[] hay, byte[] needle, int before) {
        outer:
        for (int i = Math.min(before, hay.length - needle.length); i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("placeholder " + new String(needle, StandardCharsets.US_ASCII) + " not found");
    }

    /** A byte buffer of known final size that hands out its array without a copy. */
    private static final class Out extends ByteArrayOutputStream {
        Out(int size) {
            super(size);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }
}
