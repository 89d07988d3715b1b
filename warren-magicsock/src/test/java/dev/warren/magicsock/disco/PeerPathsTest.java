package dev.warren.magicsock.disco;

import dev.warren.crypto.X25519;
import dev.warren.testing.FakeClock;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-peer algorithm on fake time, without sockets. */
class PeerPathsTest {
    private final FakeClock clock = new FakeClock();
    private final InetSocketAddress ep1 = new InetSocketAddress("192.0.2.10", 41641);
    private final InetSocketAddress ep2 = new InetSocketAddress("198.51.100.7", 41641);
    private final List<InetSocketAddress> ours = List.of(new InetSocketAddress("203.0.113.5", 1234));
    private final PeerPaths paths = new PeerPaths(clock, key(), key(), DiscoKey.of(X25519.publicKey(
            X25519.generatePrivateKey())), 3, () -> ours);

    private static NodeKey key() {
        return NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    }

    private static List<DiscoMessage.Ping> directPings(List<PeerPaths.Action> as, InetSocketAddress to) {
        return as.stream().filter(a -> a instanceof PeerPaths.Action.Direct d && d.to().equals(to)
                && d.message() instanceof DiscoMessage.Ping).map(a -> (DiscoMessage.Ping) a.message()).toList();
    }

    @Test
    void untrustedSendsGoViaRelayAndTheFirstSendStartsTheHeartbeat() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        PeerPaths.Route r = paths.route();
        assertTrue(r.viaRelay());
        assertNull(r.direct());
        assertTrue(r.startHeartbeat());
        assertFalse(paths.route().startHeartbeat(), "heartbeat started twice");
        PeerPaths.Heartbeat hb = paths.heartbeat();
        assertEquals(1, directPings(hb.actions(), ep1).size());
        DiscoMessage.CallMeMaybe cmm = (DiscoMessage.CallMeMaybe) hb.actions().stream()
                .filter(a -> a instanceof PeerPaths.Action.ViaRelay).findFirst().orElseThrow().message();
        assertEquals(ours, cmm.endpoints());
    }

    @Test
    void pongTrustsTheAddressHeartbeatsKeepItAndTrustLapsesWithoutPongs() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        DiscoMessage.Ping ping = directPings(paths.heartbeat().actions(), ep1).getFirst();
        clock.advance(Duration.ofMillis(20));
        PeerPaths.PingOutcome o = paths.onPong(ep1, ping.txid());
        assertEquals(20_000_000L, o.latencyNanos());
        PeerPaths.Route r = paths.route();
        assertEquals(ep1, r.direct());
        assertFalse(r.viaRelay());
        // heartbeats every 3 s, each answered: trust holds for a minute
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(3));
            paths.route();
            PeerPaths.Heartbeat hb = paths.heartbeat();
            List<DiscoMessage.Ping> ps = directPings(hb.actions(), ep1);
            assertFalse(ps.isEmpty(), "heartbeat did not ping the best address");
            paths.onPong(ep1, ps.getFirst().txid());
            assertFalse(paths.route().viaRelay(), "trust lapsed although pongs came");
        }
        // pongs stop: after 6.5 s traffic goes to the relay again (and still to the address)
        clock.advance(Duration.ofMillis(6_400));
        assertFalse(paths.route().viaRelay());
        clock.advance(Duration.ofMillis(200));
        PeerPaths.Route lapsed = paths.route();
        assertTrue(lapsed.viaRelay());
        assertEquals(ep1, lapsed.direct());
    }

    @Test
    void pongFromAnotherAddressThanPingedOrUnknownTxidIsIgnored() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        DiscoMessage.Ping ping = directPings(paths.heartbeat().actions(), ep1).getFirst();
        assertNull(paths.onPong(ep2, ping.txid()));
        assertNull(paths.onPong(ep1, new byte[12]));
        assertNull(paths.onPong(null, ping.txid()), "relay pong matched a direct ping");
        assertTrue(paths.route().viaRelay());
    }

    @Test
    void perEndpointPingsAreThrottledToFiveSecondsAndRoundsComeEveryFive() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        PeerPaths.Heartbeat first = paths.heartbeat();
        assertEquals(1, directPings(first.actions(), ep1).size());
        assertEquals(Duration.ofSeconds(3).toNanos(), first.nextDelayNanos());
        clock.advance(Duration.ofSeconds(3));
        paths.route();
        PeerPaths.Heartbeat second = paths.heartbeat();
        assertTrue(directPings(second.actions(), ep1).isEmpty(), "pinged again after 3 s");
        assertEquals(Duration.ofSeconds(2).toNanos(), second.nextDelayNanos(), "next round not at 5 s");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, directPings(paths.heartbeat().actions(), ep1).size());
    }

    @Test
    void callMeMaybeAddsEndpointsAndPingsThemAllAtOnceEvenIfRecentlyPinged() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        paths.heartbeat();
        List<PeerPaths.Action> as = paths.onCallMeMaybe(List.of(ep1, ep2));
        assertEquals(1, directPings(as, ep1).size());
        assertEquals(1, directPings(as, ep2).size());
        assertTrue(paths.snapshot().candidates().contains(ep2));
    }

    @Test
    void pingIsAnsweredWithThePongCarryingTheObservedSource() {
        byte[] txid = new byte[12];
        txid[0] = 1;
        List<PeerPaths.Action> as = paths.onPingDirect(ep2, txid);
        PeerPaths.Action.Direct d = assertInstanceOf(PeerPaths.Action.Direct.class, as.getFirst());
        DiscoMessage.Pong pong = assertInstanceOf(DiscoMessage.Pong.class, d.message());
        assertEquals(ep2, pong.source());
        assertEquals(ep2, d.to());
        assertEquals(1, directPings(as, ep2).size(), "no ping back toward an untrusted path");
        PeerPaths.Action.ViaRelay v = assertInstanceOf(PeerPaths.Action.ViaRelay.class,
                paths.onPingViaRelay(txid).getFirst());
        assertInstanceOf(DiscoMessage.Pong.class, v.message());
    }

    @Test
    void heartbeatStopsAfter45SecondsIdle() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        long t = 0;
        PeerPaths.Heartbeat hb = paths.heartbeat();
        while (hb.nextDelayNanos() >= 0) {
            clock.advance(Duration.ofNanos(hb.nextDelayNanos()));
            t += hb.nextDelayNanos();
            hb = paths.heartbeat();
        }
        assertTrue(t >= Duration.ofSeconds(45).toNanos() && t <= Duration.ofSeconds(48).toNanos(), "stopped at " + t);
        assertTrue(paths.route().startHeartbeat(), "activity did not restart the heartbeat");
    }

    @Test
    void fasterAddressReplacesTheBestOnlyBeyondHysteresisAndForgetDropsTrust() {
        paths.update(paths.discoKey(), 3, List.of(ep1, ep2));
        paths.route();
        List<PeerPaths.Action> as = paths.heartbeat().actions();
        clock.advance(Duration.ofMillis(30));
        paths.onPong(ep1, directPings(as, ep1).getFirst().txid());
        clock.advance(Duration.ofMillis(0));
        assertEquals(ep1, paths.route().direct());
        // a later pong from ep2 after 30 ms total too: equal latency, no switch
        // (measured from its own ping, sent at the same time → 30 ms)
        paths.onPong(ep2, directPings(as, ep2).getFirst().txid());
        assertEquals(ep1, paths.route().direct());
        List<PeerPaths.Action> again = paths.onCallMeMaybe(List.of(ep2));
        clock.advance(Duration.ofMillis(5));
        paths.onPong(ep2, directPings(again, ep2).getFirst().txid());
        assertEquals(ep2, paths.route().direct(), "much faster address did not win");
        paths.forget();
        assertTrue(paths.route().viaRelay());
        assertNull(paths.snapshot().direct());
    }

    @Test
    void callMeMaybeWithoutOurTrustedAddressLapsesTrustAndRepingsIt() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        paths.route();
        paths.onPong(ep1, directPings(paths.heartbeat().actions(), ep1).getFirst().txid());
        assertFalse(paths.route().viaRelay());
        // the peer lists ep1: nothing changes
        paths.onCallMeMaybe(List.of(ep1));
        assertFalse(paths.route().viaRelay(), "trust lapsed although the peer still lists the address");
        // the peer roamed: its endpoints no longer include ep1
        List<PeerPaths.Action> as = paths.onCallMeMaybe(List.of(ep2));
        PeerPaths.Route r = paths.route();
        assertTrue(r.viaRelay(), "still trusting an address the roamed peer no longer lists");
        assertEquals(ep1, r.direct(), "the old address is no longer tried at all");
        List<DiscoMessage.Ping> back = directPings(as, ep1);
        assertEquals(1, back.size(), "the old address was not pinged again");
        assertEquals(1, directPings(as, ep2).size());
        clock.advance(Duration.ofMillis(10));
        paths.onPong(ep1, back.getFirst().txid());
        assertFalse(paths.route().viaRelay(), "a pong from the old address did not restore trust");
    }

    @Test
    void ourNewEndpointsGoToAnActiveUntrustedPeerAtOnce() {
        paths.update(paths.discoKey(), 3, List.of(ep1));
        assertEquals(List.of(), paths.onOurEndpointsChanged(), "an idle peer was told");
        paths.route();
        paths.heartbeat(); // pings ep1 and sends call-me-maybe: both throttled for 5 s now
        clock.advance(Duration.ofMillis(500));
        List<PeerPaths.Action> as = paths.onOurEndpointsChanged();
        assertEquals(1, directPings(as, ep1).size(), "candidates not pinged again at once");
        DiscoMessage.CallMeMaybe cmm = (DiscoMessage.CallMeMaybe) as.stream()
                .filter(a -> a instanceof PeerPaths.Action.ViaRelay).findFirst().orElseThrow().message();
        assertEquals(ours, cmm.endpoints());
        // with a trusted direct path the peer needs nothing
        clock.advance(Duration.ofMillis(10));
        paths.onPong(ep1, directPings(as, ep1).getFirst().txid());
        assertEquals(List.of(), paths.onOurEndpointsChanged(), "a peer on a trusted path was told");
    }

    @Test
    void discoverNowPingsEveryCandidateOnceWithoutMakingThePeerActive() {
        paths.update(paths.discoKey(), 0, List.of(ep1, ep2));
        List<PeerPaths.Action> as = paths.discoverNow();
        assertEquals(1, directPings(as, ep1).size());
        assertEquals(1, directPings(as, ep2).size());
        assertTrue(as.stream().noneMatch(a -> a instanceof PeerPaths.Action.ViaRelay), "relay message without relay");
        assertFalse(paths.snapshot().active(), "discovery made the peer active");
        assertEquals(List.of(), paths.discoverNow(), "candidates pinged again within their throttle");
        clock.advance(Duration.ofNanos(PeerPaths.PING_INTERVAL_NANOS));
        assertEquals(2, paths.discoverNow().size(), "throttle did not end after the ping interval");
        paths.onPong(ep1, directPings(paths.pingNow(ep1), ep1).getFirst().txid());
        assertEquals(List.of(), paths.discoverNow(), "pinged although a trusted path exists");
    }

    @Test
    void aPingFromAnAddressThatNeverAnsweredIsPingedBackWhateverItsThrottle() {
        paths.update(paths.discoKey(), 0, List.of(ep1));
        // our ping to ep1 was lost (the peer did not know us yet) a moment ago
        assertEquals(1, directPings(paths.discoverNow(), ep1).size());
        clock.advance(Duration.ofMillis(10));
        byte[] txid = new byte[12];
        List<PeerPaths.Action> as = paths.onPingDirect(ep1, txid);
        assertEquals(1, directPings(as, ep1).size(), "no ping back: the path waits for the 5 s throttle");
        // once ep1 has answered, its throttle applies again to pings back
        paths.onPong(ep1, directPings(as, ep1).getFirst().txid());
        clock.advance(Duration.ofNanos(PeerPaths.TRUST_NANOS));
        assertEquals(1, directPings(paths.pingNow(ep1), ep1).size()); // trust lapsed; this ping goes unanswered
        clock.advance(Duration.ofMillis(10));
        assertEquals(0, directPings(paths.onPingDirect(ep1, txid), ep1).size(), "throttle ignored after a pong");
    }
}
