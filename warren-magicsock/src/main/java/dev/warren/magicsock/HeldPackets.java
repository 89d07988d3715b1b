package dev.warren.magicsock;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The WireGuard packets {@link MagicSock} holds for one peer while the peer has no path at all (no direct address
 * disco proved and no relay region: a peer that just appeared in the map before its netcheck picked a home relay,
 * or a lab or LAN without relays; docs/magicsock.md "A new peer without a relay").
 *
 * <p>What: the newest {@link #MAX_HELD} packets a send found no path for, each with the time the engine sent it.
 * They go out as soon as a path appears ({@link MagicSock#setPeers} gives the peer a home relay or endpoints, the
 * relay map or links change, a packet arrives from it through a relay, disco proves a direct path), so the engine's
 * first handshake initiation is not lost to WireGuard's 5 s retry; a packet older than {@link #MAX_AGE_NANOS} is
 * dropped instead. An authenticated direct ping from the peer while it still has no path sends copies to the ping's
 * source at once and keeps the packets held until a path is proven (see {@link #release}).
 *
 * <p>Why a class of its own: the holding, expiry and release rules are one small state machine per peer, separate
 * from routing; {@link MagicSock} decides when to {@link #release} and how the packets are sent.
 *
 * <p>Threads: {@link #hold} runs on the engine's send threads, {@link #release} on the engine's receive threads
 * (disco pings and pongs), the relay reader threads and the node's thread ({@code setPeers}, {@code setRelayMap});
 * {@link #isEmpty} and {@link #clear} under MagicSock's peer-table lock or after a peer's removal. This object's
 * monitor guards {@link #packets}; the path check given to {@link #release} runs under it (it takes the peer's
 * {@code PeerPaths} monitor: order held packets, then paths), and no send happens under it.
 */
final class HeldPackets {
    /** At most this many WireGuard packets are held per peer that has no path at all (the newest are kept). */
    static final int MAX_HELD = 8;
    /** A held packet older than this is dropped (WireGuard retries a handshake after 5 s anyway). */
    static final long MAX_AGE_NANOS = 4_000_000_000L;

    /** A held WireGuard packet and when the engine sent it. */
    private record Packet(byte[] bytes, long at) {
    }

    // guarded by this
    private final ArrayDeque<Packet> packets = new ArrayDeque<>();

    /** Keeps the newest {@link #MAX_HELD} packets of a batch that had no path, sent at {@code now}. */
    synchronized void hold(PacketBuffer[] bufs, int from, int count, long now) {
        for (int i = from; i < from + count; i++) {
            if (packets.size() >= MAX_HELD) {
                packets.pollFirst();
            }
            packets.addLast(new Packet(bufs[i].toByteArray(), now));
        }
    }

    /** Whether packets are held. */
    synchronized boolean isEmpty() {
        return packets.isEmpty();
    }

    /** Drops every held packet (the peer was removed). */
    synchronized void clear() {
        packets.clear();
    }

    /**
     * Releases the packets younger than {@link #MAX_AGE_NANOS} at {@code now} (older ones are dropped). When
     * {@code hasPath} says the peer has a path, they are removed and handed to {@code alongPath} as one batch.
     * When it has none: with {@code pingSource} null they stay held; otherwise (an authenticated disco ping from
     * the peer just arrived from there: the peer's magicsock is at that address and knows us) each goes to
     * {@code toPingSource} at once, and they stay held until a pong proves a path (then they go along it once more)
     * or they expire: the peer's engine may learn of us a moment after its magicsock (the node configures the
     * engine right after {@code setPeers}) and drop the first copy; WireGuard drops the duplicate of anything it
     * already accepted (handshake timestamp, transport counter). The consumers run after the monitor is released.
     */
    void release(long now, BooleanSupplier hasPath, Endpoint pingSource, Consumer<byte[]> toPingSource,
                 Consumer<PacketBuffer[]> alongPath) {
        List<Packet> out;
        boolean toSource;
        synchronized (this) {
            if (packets.isEmpty()) {
                return;
            }
            packets.removeIf(h -> now - h.at() > MAX_AGE_NANOS);
            toSource = !hasPath.getAsBoolean();
            if (packets.isEmpty() || (toSource && pingSource == null)) {
                return;
            }
            out = List.copyOf(packets);
            if (!toSource) {
                packets.clear();
            }
        }
        if (toSource) {
            for (Packet h : out) {
                toPingSource.accept(h.bytes());
            }
            return;
        }
        PacketBuffer[] bufs = new PacketBuffer[out.size()];
        for (int i = 0; i < bufs.length; i++) {
            byte[] b = out.get(i).bytes();
            bufs[i] = PacketBuffer.allocate(b.length);
            bufs[i].copyFrom(b, 0, 0, b.length);
            bufs[i].set(0, b.length);
        }
        alongPath.accept(bufs);
    }
}
