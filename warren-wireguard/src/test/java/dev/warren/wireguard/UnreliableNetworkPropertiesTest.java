package dev.warren.wireguard;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery contracts of the whole engine (two devices, every thread running) over a {@link
 * dev.warren.testing.ChannelNetwork} that reorders, duplicates and drops datagrams — handshake messages included:
 * <ul>
 *   <li>every packet a TUN receives was sent by the other side and arrives at most once, whatever the network
 *       does (authentication + replay window);
 *   <li>when the network does not reorder, packets arrive in the order they were sent, even while they are
 *       staged behind a handshake;
 *   <li>a network that duplicates everything still yields each packet exactly once;
 *   <li>after an outage of any length up to two minutes, traffic flows again within seconds (fake time) once
 *       the network heals, and packets staged behind a lost handshake are delivered, not lost.
 * </ul>
 * Loss, duplication and reordering are random per datagram; jqwik draws the rates and the traffic. The order and
 * completeness properties start from an established session: packets staged across handshake completion can be
 * lost or reordered by the engine itself, which {@link StagedPacketsTest} shows separately.
 */
class UnreliableNetworkPropertiesTest {
    @Property(tries = 10)
    void deliveredAtMostOnceAndOnlyWhatWasSent(@ForAll @DoubleRange(max = 0.3) double loss,
                                               @ForAll @DoubleRange(max = 0.5) double duplicate,
                                               @ForAll @DoubleRange(max = 0.5) double reorder,
                                               @ForAll @IntRange(min = 1, max = 300) int packets,
                                               @ForAll long seed) throws Exception {
        try (DevicePair p = new DevicePair("prop1", 1, 0)) {
            Random random = new Random(seed);
            p.net.dropWhen(d -> nextDouble(random) < loss);
            p.net.duplicate(duplicate);
            p.net.reorder(reorder);
            List<String> sent = sendBursts(p, packets, random);
            List<String> got = collect(p);
            assertTrue(new HashSet<>(sent).containsAll(got), "only sent packets arrive");
            assertEquals(got.size(), new HashSet<>(got).size(), "no packet arrives twice");
        }
    }

    @Property(tries = 10)
    void inOrderWhenTheNetworkDoesNotReorder(@ForAll @DoubleRange(max = 0.2) double loss,
                                             @ForAll @DoubleRange(max = 0.5) double duplicate,
                                             @ForAll @IntRange(min = 2, max = 400) int packets,
                                             @ForAll long seed) throws Exception {
        try (DevicePair p = new DevicePair("prop2", 1, 1)) {
            assertNotNull(p.deliverAToB("warm-up", 10));
            Random random = new Random(seed);
            p.net.dropWhen(d -> nextDouble(random) < loss);
            p.net.duplicate(duplicate);
            List<String> sent = sendBursts(p, packets, random);
            List<String> got = collect(p);
            List<Integer> order = got.stream().map(sent::indexOf).toList();
            for (int i = 1; i < order.size(); i++) {
                assertTrue(order.get(i - 1) < order.get(i), "packet " + order.get(i) + " after " + order.get(i - 1)
                        + " (loss " + loss + ", duplicate " + duplicate + ")");
            }
            if (loss == 0) {
                assertEquals(sent, got, "nothing lost on a lossless network: " + summary(sent, got));
            }
        }
    }

    @Property(tries = 6)
    void everythingDuplicatedStillArrivesExactlyOnce(@ForAll @IntRange(min = 1, max = 100) int packets,
                                                     @ForAll long seed) throws Exception {
        try (DevicePair p = new DevicePair("prop3", 1, 1)) {
            p.net.duplicate(1.0); // handshake messages too
            List<String> sent = sendBursts(p, packets, new Random(seed));
            List<String> got = collect(p);
            assertEquals(new HashSet<>(sent), new HashSet<>(got), summary(sent, got));
            assertEquals(sent.size(), got.size(), "each exactly once");
            assertTrue(p.b.drops().get(Drops.Reason.REPLAY) > 0, "the duplicates were refused by the replay window");
        }
    }

    @Property(tries = 8)
    void trafficResumesAfterTheNetworkHeals(@ForAll boolean sessionBefore,
                                            @ForAll @IntRange(min = 0, max = 120) int outageSeconds,
                                            @ForAll @IntRange(min = 1, max = 20) int sentDuringOutage) throws Exception {
        try (DevicePair p = new DevicePair("prop4", 0, 0)) {
            if (sessionBefore) {
                assertNotNull(p.deliverAToB("before", 10));
            }
            p.net.dropWhen(d -> true);
            for (int i = 0; i < sentDuringOutage; i++) {
                p.tunA.inject(p.aToB("outage " + i));
            }
            p.advance(Duration.ofSeconds(outageSeconds), Duration.ofSeconds(1));
            p.net.dropWhen(d -> false);
            byte[] after = p.deliverAToB("after", 30);
            assertNotNull(after, "A→B resumes after a " + outageSeconds + " s outage; drops on A " + p.a.drops().snapshot());
            List<String> got = new ArrayList<>();
            for (byte[] pkt = after; pkt != null; pkt = p.tunB.take(Duration.ofMillis(200))) {
                got.add(DevicePair.payloadOf(pkt));
            }
            assertTrue(got.contains("after"));
            if (!sessionBefore && outageSeconds < Protocol.REKEY_ATTEMPT_TIME / Protocol.SECOND) {
                // the first handshake never got through, so the outage packets waited in the staged queue
                for (int i = 0; i < sentDuringOutage; i++) {
                    assertTrue(got.contains("outage " + i), "staged packet " + i + " delivered after healing: " + got);
                }
            }
            assertEquals(got.size(), new HashSet<>(got).size(), "no duplicates");
            assertNotNull(p.deliverBToA("reply", 30), "B→A too");
        }
    }

    /** Which sent packets are missing, as ranges of their indices. */
    static String summary(List<String> sent, List<String> got) {
        java.util.Set<String> have = new HashSet<>(got);
        StringBuilder sb = new StringBuilder("missing");
        int start = -1;
        for (int i = 0; i <= sent.size(); i++) {
            boolean missing = i < sent.size() && !have.contains(sent.get(i));
            if (missing && start < 0) {
                start = i;
            } else if (!missing && start >= 0) {
                sb.append(' ').append(start).append(start == i - 1 ? "" : ".." + (i - 1));
                start = -1;
            }
        }
        return sb + " of " + sent.size();
    }

    private static double nextDouble(Random r) {
        synchronized (r) {
            return r.nextDouble();
        }
    }

    /** Injects packets into A's TUN in bursts of random size with short pauses, as an application would. */
    private static List<String> sendBursts(DevicePair p, int packets, Random random) {
        List<String> sent = new ArrayList<>();
        int burst = 0;
        for (int i = 0; i < packets; i++) {
            String payload = "packet " + i;
            sent.add(payload);
            p.tunA.inject(p.aToB(payload));
            if (--burst <= 0) {
                burst = 1 + random.nextInt(40);
                LockSupport.parkNanos(random.nextInt(300_000));
            }
        }
        return sent;
    }

    /**
     * Collects what reaches B's TUN until it has been quiet for three rounds; each round also moves fake time
     * on by a second so that lost handshakes are retried.
     */
    private static List<String> collect(DevicePair p) throws InterruptedException {
        List<String> got = new ArrayList<>();
        int quiet = 0;
        while (quiet < 3) {
            byte[] pkt = p.tunB.take(Duration.ofMillis(100));
            if (pkt != null) {
                got.add(DevicePair.payloadOf(pkt));
                quiet = 0;
                continue;
            }
            quiet++;
            p.scheduler.advance(Duration.ofSeconds(1));
        }
        return got;
    }
}
