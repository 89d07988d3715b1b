package dev.warren.magicsock.disco;

import dev.warren.crypto.X25519;
import dev.warren.testing.FakeClock;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random event sequences against {@link PeerPaths}: a data packet always has somewhere to go; traffic goes only
 * direct exactly while a pong from the chosen address arrived less than 6.5 s ago; candidates and pings in flight
 * stay bounded.
 */
class PeerPathsPropertiesTest {
    private static final List<InetSocketAddress> ADDRS = List.of(
            new InetSocketAddress("192.0.2.1", 1), new InetSocketAddress("192.0.2.2", 2),
            new InetSocketAddress("10.0.0.3", 3), new InetSocketAddress("2001:db8::4", 4));

    /** One step: 0 send, 1 heartbeat, 2 answer a pending ping, 3 call-me-maybe, 4 wait, 5 ping from an address. */
    record Step(int kind, int arg, int millis) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.integers().between(0, 5).flatMap(k -> Arbitraries.integers().between(0, 1000).flatMap(a ->
                Arbitraries.integers().between(0, 4000).map(ms -> new Step(k, a, ms)))).list().ofMaxSize(200);
    }

    @Property(tries = 300)
    void invariantsHoldForAnyEventSequence(@ForAll("steps") List<Step> steps) {
        FakeClock clock = new FakeClock();
        PeerPaths p = new PeerPaths(clock, NodeKey.of(X25519.publicKey(X25519.generatePrivateKey())),
                NodeKey.of(X25519.publicKey(X25519.generatePrivateKey())),
                DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey())), 1, () -> ADDRS.subList(0, 1));
        p.update(p.discoKey(), 1, List.of(ADDRS.get(0)));
        List<PeerPaths.Action.Direct> pending = new ArrayList<>();
        long lastTrustingPong = Long.MIN_VALUE;
        InetSocketAddress trustedAddr = null;
        for (Step s : steps) {
            switch (s.kind()) {
                case 0 -> {
                    PeerPaths.Route r = p.route();
                    assertTrue(r.viaRelay() || r.direct() != null, "a packet with nowhere to go");
                }
                case 1 -> collect(p.heartbeat().actions(), pending);
                case 2 -> {
                    if (!pending.isEmpty()) {
                        PeerPaths.Action.Direct d = pending.remove(s.arg() % pending.size());
                        PeerPaths.PingOutcome o = p.onPong(d.to(), ((DiscoMessage.Ping) d.message()).txid());
                        PeerPaths.PathSnapshot snap = p.snapshot();
                        if (o != null && d.to().equals(snap.direct())) {
                            lastTrustingPong = clock.nanoTime();
                            trustedAddr = d.to();
                        }
                    }
                }
                case 3 -> {
                    InetSocketAddress listed = ADDRS.get(s.arg() % ADDRS.size());
                    collect(p.onCallMeMaybe(List.of(listed)), pending);
                    if (!listed.equals(trustedAddr)) {
                        trustedAddr = null; // a call-me-maybe without the trusted address ends its trust
                    }
                }
                case 4 -> clock.advance(Duration.ofMillis(s.millis()));
                default -> {
                    InetSocketAddress from = ADDRS.get(s.arg() % ADDRS.size());
                    List<PeerPaths.Action> as = p.onPingDirect(from, new byte[12]);
                    assertTrue(as.getFirst().message() instanceof DiscoMessage.Pong pong && pong.source().equals(from));
                    collect(as, pending);
                }
            }
            PeerPaths.PathSnapshot snap = p.snapshot();
            boolean shouldTrust = trustedAddr != null
                    && clock.nanoTime() - lastTrustingPong < PeerPaths.TRUST_NANOS;
            if (snap.direct() != null) {
                assertTrue(shouldTrust, "trusted without a recent pong");
                assertEquals(trustedAddr, snap.direct());
            } else {
                assertFalse(shouldTrust, "distrusted " + trustedAddr + " despite a pong "
                        + (clock.nanoTime() - lastTrustingPong) / 1_000_000 + " ms ago");
            }
            assertTrue(snap.candidates().size() <= PeerPaths.MAX_CANDIDATES);
            assertNotNull(snap.candidates());
        }
    }

    private static void collect(List<PeerPaths.Action> as, List<PeerPaths.Action.Direct> pending) {
        for (PeerPaths.Action a : as) {
            if (a instanceof PeerPaths.Action.Direct d && d.message() instanceof DiscoMessage.Ping) {
                pending.add(d);
            }
        }
    }
}
