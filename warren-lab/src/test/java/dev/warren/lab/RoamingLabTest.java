package dev.warren.lab;

import dev.warren.lab.WgPair.Iperf;
import dev.warren.lab.WgPair.Underlay;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves roaming: while a TCP transfer runs through the tunnel (iperf3, about 8 s, from b to a), b's underlay
 * address changes — the old one deleted, a new one added — so b's packets come from a new source. The transfer
 * goes on and completes (data still arrives in the seconds after the move), {@code wg show} on a reports b's new
 * endpoint, learned from b's authenticated packets, and a can reach b again first-hand (a ping from a).
 * b moves either by changing its own address or behind a NAT that changes its mapping (see {@link Move}).
 * Covered: Warren following a roaming Warren (both ways of moving) and a roaming wireguard-go, and Warren itself
 * roaming while wireguard-go follows it; IPv4 and IPv6 underlays.
 */
@Tag("lab")
class RoamingLabTest {
    static final int SECONDS = 8;
    static final long MOVE_AFTER_MS = 2500;

    /** How the mover gets its new source address. */
    enum Move {
        /** Its address is deleted and a new one added: its own socket now sends from the new address. */
        ADDRESS,
        /** A NAT in front of it changes mapping (stateless nftables rewrite in its namespace). */
        NAT_REBIND
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Impl.WARREN, Impl.WARREN, Underlay.V4, Move.ADDRESS),
                Arguments.of(Impl.WARREN, Impl.WARREN, Underlay.V6, Move.NAT_REBIND),
                // wireguard-go v0.0.20220316 keeps sending from the deleted address (its sticky source gets
                // ENETUNREACH, which it does not clear) until its 15 s handshake retry, so it moves by NAT
                Arguments.of(Impl.WARREN, Impl.WIREGUARD_GO, Underlay.V4, Move.NAT_REBIND),
                Arguments.of(Impl.WIREGUARD_GO, Impl.WARREN, Underlay.V6, Move.ADDRESS));
    }

    @ParameterizedTest(name = "{0} (a) follows {1} (b), {2} underlay, move by {3}")
    @MethodSource("cases")
    @Timeout(120)
    void aTransferSurvivesTheSenderChangingAddress(Impl observer, Impl mover, Underlay underlay, Move move)
            throws Exception {
        try (WgPair pair = WgPair.start("lab", observer, mover, underlay)) {
            pair.configureBoth();
            assertTrue(pair.b.ping(pair.a.tun4, 2, Duration.ofSeconds(10)), "tunnel up");
            String oldEndpoint = pair.b.endpoint();
            assertEquals(oldEndpoint, pair.a.endpointOf(pair.b));

            CompletableFuture<Iperf> transfer = CompletableFuture.supplyAsync(() -> {
                try {
                    return pair.iperf(pair.b, pair.a, pair.a.tun4, SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(MOVE_AFTER_MS);
            String newEndpoint;
            if (move == Move.ADDRESS) {
                pair.moveUnderlay(pair.b, 3);
                newEndpoint = pair.b.endpoint();
            } else {
                newEndpoint = pair.natRebind(pair.b, 3);
            }
            Iperf result = transfer.get(SECONDS + 60, TimeUnit.SECONDS);

            String series = result.intervals().stream().map(i -> String.format("%.1f-%.1f:%d", i[0], i[1], (long) i[2]))
                    .collect(Collectors.joining(" "));
            System.out.println(observer + " <- " + mover + " " + underlay + " " + move + ": " + result + "; intervals " + series);
            assertTrue(result.ok(), "the transfer completed: " + result + "\n" + result.json());
            long afterMove = result.intervals().stream().filter(i -> i[0] >= SECONDS - 2.5).mapToLong(i -> (long) i[2])
                    .sum();
            assertTrue(afterMove > 0, "data still arrived in the last 2.5 s, after the move: " + series);
            assertEquals(newEndpoint, pair.a.endpointOf(pair.b),
                    observer + " shows the new endpoint of " + mover + " (was " + oldEndpoint + ")");
            assertTrue(pair.a.ping(pair.b.tun4, 3, Duration.ofSeconds(5)), "a reaches b at its new address");
        }
    }
}
