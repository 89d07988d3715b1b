package dev.warren.wireguard;

import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * The five per-peer timers of WireGuard (paper §6) and the events that move them:
 *
 * <pre>
 * timer                 started by                                   stopped by                 on expiry
 * retransmitHandshake   initiation sent (5 s + jitter)               handshake complete         retry, or give up after 18
 * sendKeepalive         data received, nothing sent (10 s)           any packet sent            send a keepalive
 * newHandshake          data sent, nothing received (15 s + jitter)  any packet received        initiate a handshake
 * zeroKeyMaterial       session derived (540 s)                      —                          forget all sessions
 * persistentKeepalive   any authenticated packet (interval)          —                          send a keepalive
 * </pre>
 *
 * Event methods are called from the packet paths and cost a volatile write or two. Expiry actions are handed
 * to the device's control loop ({@code control}), never run on the timer thread.
 */
final class PeerTimers {
    /** What expiring timers do; implemented by the device on its control loop. */
    interface Actions {
        void sendHandshakeInitiation(Peer peer, boolean retry);

        void sendKeepalive(Peer peer);

        /** Drops queued packets and stops keepalives after the handshake attempts ran out. */
        void giveUpHandshake(Peer peer);

        void zeroKeyMaterial(Peer peer);
    }

    /** Builds the timers for a peer. */
    interface Factory {
        PeerTimers create(Peer peer);
    }

    static Factory factory(Clock clock, Scheduler scheduler, Executor control, RandomGenerator jitter, Actions actions) {
        return peer -> new PeerTimers(peer, clock, scheduler, control, jitter, actions);
    }

    private final Peer peer;
    private final RandomGenerator jitter;
    private final Clock clock;
    private final Actions actions;
    final LazyTimer retransmitHandshake;
    final LazyTimer sendKeepalive;
    final LazyTimer newHandshake;
    final LazyTimer zeroKeyMaterial;
    final LazyTimer persistentKeepalive;
    final AtomicInteger handshakeAttempts = new AtomicInteger();
    volatile boolean needAnotherKeepalive;
    volatile boolean sentLastMinuteHandshake;

    private PeerTimers(Peer peer, Clock clock, Scheduler scheduler, Executor control, RandomGenerator jitter,
                       Actions actions) {
        this.peer = peer;
        this.clock = clock;
        this.jitter = jitter;
        this.actions = actions;
        retransmitHandshake = new LazyTimer(clock, scheduler, () -> control.execute(this::expiredRetransmitHandshake));
        sendKeepalive = new LazyTimer(clock, scheduler, () -> control.execute(this::expiredSendKeepalive));
        newHandshake = new LazyTimer(clock, scheduler,
                () -> control.execute(() -> actions.sendHandshakeInitiation(peer, false)));
        zeroKeyMaterial = new LazyTimer(clock, scheduler, () -> control.execute(() -> actions.zeroKeyMaterial(peer)));
        persistentKeepalive = new LazyTimer(clock, scheduler, () -> control.execute(() -> {
            if (peer.persistentKeepalive > 0) {
                actions.sendKeepalive(peer);
            }
        }));
    }

    private void expiredRetransmitHandshake() {
        if (handshakeAttempts.get() > Protocol.MAX_TIMER_HANDSHAKES) {
            actions.giveUpHandshake(peer);
            if (!zeroKeyMaterial.isPending()) {
                zeroKeyMaterial.mod(Protocol.REJECT_AFTER_TIME * 3);
            }
        } else {
            handshakeAttempts.incrementAndGet();
            actions.sendHandshakeInitiation(peer, true);
        }
    }

    private void expiredSendKeepalive() {
        actions.sendKeepalive(peer);
        if (needAnotherKeepalive) {
            needAnotherKeepalive = false;
            sendKeepalive.mod(Protocol.KEEPALIVE_TIMEOUT);
        }
    }

    private long jitter() {
        return jitter.nextLong(Protocol.REKEY_TIMEOUT_JITTER_MAX);
    }

    /** A data packet (not a keepalive) was sent. */
    void dataSent() {
        if (!newHandshake.isPending()) {
            newHandshake.mod(Protocol.KEEPALIVE_TIMEOUT + Protocol.REKEY_TIMEOUT + jitter());
        }
    }

    /** A data packet (not a keepalive) was received. */
    void dataReceived() {
        if (!sendKeepalive.isPending()) {
            sendKeepalive.mod(Protocol.KEEPALIVE_TIMEOUT);
        } else {
            needAnotherKeepalive = true;
        }
    }

    /** Any authenticated packet (data, keepalive or handshake) was sent. */
    void anyAuthenticatedPacketSent() {
        sendKeepalive.del();
    }

    /** Any authenticated packet was received. */
    void anyAuthenticatedPacketReceived() {
        newHandshake.del();
    }

    /** Any authenticated packet was sent or received. */
    void anyAuthenticatedPacketTraversal() {
        int interval = peer.persistentKeepalive;
        if (interval > 0) {
            persistentKeepalive.mod(interval * Protocol.SECOND);
        }
    }

    void handshakeInitiated() {
        retransmitHandshake.mod(Protocol.REKEY_TIMEOUT + jitter());
    }

    void handshakeComplete(long epochNanos) {
        retransmitHandshake.del();
        handshakeAttempts.set(0);
        sentLastMinuteHandshake = false;
        peer.lastHandshakeEpochNanos = epochNanos;
    }

    void sessionDerived() {
        zeroKeyMaterial.mod(Protocol.REJECT_AFTER_TIME * 3);
    }

    long now() {
        return clock.nanoTime();
    }

    /** Stops every timer (peer removed or device down). */
    void stopAll() {
        retransmitHandshake.stop();
        sendKeepalive.stop();
        newHandshake.stop();
        zeroKeyMaterial.stop();
        persistentKeepalive.stop();
        handshakeAttempts.set(0);
        needAnotherKeepalive = false;
        sentLastMinuteHandshake = false;
    }

    void restartAll() {
        retransmitHandshake.restart();
        sendKeepalive.restart();
        newHandshake.restart();
        zeroKeyMaterial.restart();
        persistentKeepalive.restart();
    }
}
