package dev.warren.wireguard;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.wireguard.WgMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packets that wait for a handshake (the staged queue, paper §6 / wireguard-go's QueueStagedSize of 128): while a
 * handshake is pending only the newest 128 are kept, and once the session exists every staged and every new
 * packet is sent, in order. The handshake is held back deterministically by withholding B's response until the
 * test releases it, so the queue is in a known state when the session appears.
 */
class StagedPacketsTest {
    /** wireguard-go's QueueStagedSize, written out rather than read from the engine. */
    private static final int MAX_STAGED = 128;

    @Test
    void onlyTheOldestAreDroppedWhileTheHandshakeIsPending() throws Exception {
        try (DevicePair p = new DevicePair("stg1", 0, 0)) {
            List<String> sent = new ArrayList<>();
            List<String> got = heldHandshake(p, 300, 0, sent);
            assertEquals(sent.subList(300 - MAX_STAGED, 300), got,
                    "the newest " + MAX_STAGED + " staged packets, in order");
        }
    }

    @Test
    void stagedPacketsAreFlushedInOrderWhenTheSessionAppears() throws Exception {
        try (DevicePair p = new DevicePair("stg2", 1, 1)) {
            List<String> sent = new ArrayList<>();
            assertEquals(sent, heldHandshake(p, 100, 0, sent));
        }
    }

    @Test
    void noPacketIsDroppedOnceTheSessionIsUp() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            try (DevicePair p = new DevicePair("stg3", 1, 1)) {
                List<String> sent = new ArrayList<>();
                List<String> got = heldHandshake(p, 100, 1500, sent);
                assertEquals(List.of(), missing(sent, got), "attempt " + attempt + ": lost on a lossless network "
                        + "after the session was up (never more than 100 were staged while it was pending)");
            }
        }
    }

    @Test
    void packetsKeepTheirOrderAcrossHandshakeCompletion() throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            try (DevicePair p = new DevicePair("stg4", 1, 1)) {
                List<String> sent = new ArrayList<>();
                List<String> got = heldHandshake(p, 100, 400, 20_000 * attempt, sent);
                List<Integer> order = got.stream().map(sent::indexOf).toList();
                for (int i = 1; i < order.size(); i++) {
                    assertTrue(order.get(i - 1) < order.get(i), "attempt " + attempt + ": packet " + order.get(i)
                            + " arrived after packet " + order.get(i - 1) + " on a network that does not reorder");
                }
            }
        }
    }

    /**
     * Injects {@code before} packets into A while B's response is withheld, then releases the response and at
     * once injects {@code after} more; returns the payloads B's TUN received, in arrival order.
     */
    static List<String> heldHandshake(DevicePair p, int before, int after, List<String> sent) throws Exception {
        return heldHandshake(p, before, after, 0, sent);
    }

    /** As above, pausing {@code pauseNanos} after each new packet (an application sending at a steady rate). */
    static List<String> heldHandshake(DevicePair p, int before, int after, long pauseNanos, List<String> sent)
            throws Exception {
        AtomicBoolean holding = new AtomicBoolean(true);
        AtomicReference<byte[]> response = new AtomicReference<>();
        p.net.dropWhen(d -> {
            if (holding.get() && ScriptedPeer.typeOf(d) == WgMessage.TYPE_RESPONSE) {
                response.set(d.clone());
                return true;
            }
            return false;
        });
        for (int i = 0; i < before; i++) {
            sent.add("staged " + i);
            p.tunA.inject(p.aToB("staged " + i));
        }
        DevicePair.await("B's response", () -> response.get() != null);
        DevicePair.await("everything staged", () -> p.peerOnA().staged.size() == Math.min(before, MAX_STAGED));
        holding.set(false);
        byte[] r = response.get();
        PacketBuffer b = PacketBuffer.allocate(r.length + 64);
        b.copyFrom(r, 0, 0, r.length);
        b.set(0, r.length);
        p.bindB.send(new PacketBuffer[] {b}, 0, 1, DevicePair.A_UDP);
        // The session exists once A's control loop has consumed the response; packets injected before that are
        // still (correctly) staged and bounded by MAX_STAGED, so "after" starts when A has its session.
        DevicePair.await("A's session", () -> p.peerOnA().current != null);
        for (int i = 0; i < after; i++) {
            sent.add("new " + i);
            p.tunA.inject(p.aToB("new " + i));
            if (pauseNanos > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
            }
        }
        List<String> got = new ArrayList<>();
        for (byte[] pkt; (pkt = p.tunB.take(Duration.ofMillis(500))) != null; ) {
            got.add(DevicePair.payloadOf(pkt));
        }
        return got;
    }

    private static List<String> missing(List<String> sent, List<String> got) {
        List<String> m = new ArrayList<>(sent);
        m.removeAll(got);
        return m.size() > 12 ? List.of(m.size() + " packets, the first " + m.getFirst() + ", the last " + m.getLast()) : m;
    }
}
