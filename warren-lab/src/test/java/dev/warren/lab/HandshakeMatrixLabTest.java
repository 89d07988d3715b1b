package dev.warren.lab;

import dev.warren.lab.WgPair.Node;
import dev.warren.lab.WgPair.Underlay;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that a tunnel comes up and carries IPv4 and IPv6 both ways between Warren and wireguard-go and
 * between two Warren interfaces, with <em>each</em> side as the handshake initiator, over an IPv4 and over an
 * IPv6 underlay.
 *
 * <p>Only one side can send first: the responder is configured without the initiator's endpoint, so it has
 * nowhere to send an initiation. The test first shows that (a ping from the responder gets no answer and no
 * handshake happens), then pings from the initiator, and then checks that the responder learned the
 * initiator's endpoint from the handshake — exactly the initiator's underlay address and port, e.g.
 * {@code [fd00:77::1]:51820} — which it can only have learned from an authenticated initiation. After that,
 * traffic flows in both directions over IPv4 and IPv6 inside the tunnel.
 */
@Tag("lab")
class HandshakeMatrixLabTest {

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Underlay u : Underlay.values()) {
            // Warren in a, wireguard-go in b: Warren initiates, then wireguard-go initiates
            cases.add(Arguments.of(Impl.WARREN, Impl.WIREGUARD_GO, true, u));
            cases.add(Arguments.of(Impl.WARREN, Impl.WIREGUARD_GO, false, u));
            // Warren in both
            cases.add(Arguments.of(Impl.WARREN, Impl.WARREN, true, u));
            cases.add(Arguments.of(Impl.WARREN, Impl.WARREN, false, u));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} (a) <-> {1} (b), initiator a={2}, {3} underlay")
    @MethodSource("matrix")
    @Timeout(90)
    void onlyTheInitiatorSendsFirstAndTheTunnelCarriesBothFamilies(Impl implA, Impl implB, boolean aInitiates,
                                                                  Underlay underlay) throws Exception {
        try (WgPair pair = WgPair.start("lab", implA, implB, underlay)) {
            Node init = aInitiates ? pair.a : pair.b;
            Node resp = pair.other(init);
            pair.configure(init, resp, true);
            pair.configure(resp, init, false);

            assertEquals("(none)", resp.endpointOf(init), "the responder starts without an endpoint");
            assertFalse(resp.ping(init.tun4, 1, Duration.ofSeconds(1)),
                    resp + " has no endpoint for its peer, so its ping cannot get through");
            assertEquals(0, resp.latestHandshake(init), "no handshake before the initiator sends");
            assertEquals(0, init.latestHandshake(resp), "no handshake before the initiator sends");

            assertTrue(init.ping(resp.tun4, 3, Duration.ofSeconds(10)),
                    init + " -> " + resp + " over IPv4 inside the tunnel");
            assertTrue(init.latestHandshake(resp) > 0, "the initiator completed the handshake");
            assertTrue(resp.latestHandshake(init) > 0, "the responder completed the handshake");
            assertEquals(init.endpoint(), resp.endpointOf(init),
                    "the responder learned the initiator's underlay address and port from the handshake");

            assertTrue(init.ping(resp.tun6, 3, Duration.ofSeconds(5)), init + " -> " + resp + " over IPv6");
            assertTrue(resp.ping(init.tun4, 3, Duration.ofSeconds(5)), resp + " -> " + init + " over IPv4");
            assertTrue(resp.ping(init.tun6, 3, Duration.ofSeconds(5)), resp + " -> " + init + " over IPv6");
            assertEquals(resp.endpoint(), init.endpointOf(resp), "the initiator's configured endpoint is unchanged");
        }
    }
}
