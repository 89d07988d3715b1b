package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.wireguard.WgMessage;

import java.nio.ByteBuffer;

/**
 * Everything the control loop does for peers: consuming handshake messages, answering them, initiating,
 * keepalives, flushing staged packets, giving up and zeroing keys. Runs only on the control loop thread.
 *
 * <pre>
 * incoming handshake message
 * 1. cookie reply → the peer it answers (by receiver index) stores the cookie for its next mac2
 * 2. initiation/response: mac1 must be valid (proves the sender knows our public key)
 * 3. under load: no valid mac2 → answer with a cookie reply and stop; then per-source rate limit
 * 4. initiation → consume (peer found by its static key, timestamp newer, ≤ 1 per 50 ms) → endpoint → response
 *    response → consume (matches our pending initiation) → endpoint → session → keepalive/staged packets
 * </pre>
 */
final class HandshakeHandler implements PeerTimers.Actions {
    private final Device device;
    private final Noise noise;
    private final Sender sender;
    private final Aead aead;
    private final CookieChecker cookieChecker;
    private final RateLimiter rateLimiter;
    private final PacketBuffer[] flushBatch;

    HandshakeHandler(Device device, Aead aead, CookieChecker cookieChecker, RateLimiter rateLimiter, int batch) {
        this.device = device;
        this.aead = aead;
        this.noise = new Noise(aead, device.clock, device.rng, device.indices);
        this.sender = new Sender(device, aead);
        this.cookieChecker = cookieChecker;
        this.rateLimiter = rateLimiter;
        this.flushBatch = new PacketBuffer[batch];
    }

    Noise noise() {
        return noise;
    }

    /** Handles one handshake message; the caller releases the buffer. */
    void handle(PacketBuffer b, boolean underLoad) {
        byte[] msg = new byte[b.length()];
        b.copyTo(b.offset(), msg, 0, msg.length);
        WgMessage m;
        try {
            m = WgMessage.decode(ByteBuffer.wrap(msg));
        } catch (MalformedMessageException e) {
            device.drops.count(Drops.Reason.TRUNCATED, 1, e.getMessage());
            return;
        }
        switch (m) {
            case WgMessage.CookieReply reply -> {
                Object entry = device.indices.get(reply.receiver());
                Peer peer = entry instanceof Peer p ? p : entry instanceof Keypair k ? k.peer : null;
                if (peer == null || !peer.running || !peer.cookies.consumeReply(reply)) {
                    device.drops.count(Drops.Reason.HANDSHAKE_REJECTED, 1, "cookie reply");
                }
            }
            case WgMessage.Initiation init -> {
                if (!admit(b, msg, WgMessage.Initiation.OFFSET_MAC1, init.sender(), underLoad)) {
                    return;
                }
                Peer peer = noise.consumeInitiation(device.identity, init, device::peerByKey);
                if (peer == null || !peer.running) {
                    device.drops.count(Drops.Reason.HANDSHAKE_REJECTED, 1, "initiation from " + b.source());
                    return;
                }
                authenticatedFrom(peer, b);
                sendHandshakeResponse(peer);
            }
            case WgMessage.Response resp -> {
                if (!admit(b, msg, WgMessage.Response.OFFSET_MAC1, resp.sender(), underLoad)) {
                    return;
                }
                Peer peer = noise.consumeResponse(device.identity, resp);
                if (peer == null || !peer.running) {
                    device.drops.count(Drops.Reason.HANDSHAKE_REJECTED, 1, "response from " + b.source());
                    return;
                }
                authenticatedFrom(peer, b);
                Keypair kp = noise.beginSession(peer);
                if (kp == null) {
                    return;
                }
                device.installSession(peer, kp);
                peer.timers.handshakeComplete(device.clock.epochNanos());
                sendKeepalive(peer);
            }
            case WgMessage.Transport t -> device.drops.count(Drops.Reason.UNKNOWN_TYPE);
            case WgMessage.Unknown u -> device.drops.count(Drops.Reason.UNKNOWN_TYPE);
        }
    }

    /** mac1, then (under load) mac2/cookie and the per-source rate limit. */
    private boolean admit(PacketBuffer b, byte[] msg, int mac1Offset, int senderIndex, boolean underLoad) {
        if (!cookieChecker.checkMac1(msg, mac1Offset)) {
            device.drops.count(Drops.Reason.BAD_MAC1, 1, "from " + b.source());
            return false;
        }
        if (!underLoad) {
            return true;
        }
        byte[] src = CookieChecker.sourceBytes(b.sourceAddress(), b.sourceAddressLength(), b.sourcePort());
        if (!cookieChecker.checkMac2(msg, mac1Offset + 16, src)) {
            WgMessage.CookieReply reply = cookieChecker.createReply(msg, mac1Offset, senderIndex, src);
            sender.sendRaw(reply.encode(), b.source());
            device.drops.count(Drops.Reason.COOKIE_SENT);
            return false;
        }
        if (!rateLimiter.allow(b.sourceAddress(), b.sourceAddressLength())) {
            device.drops.count(Drops.Reason.RATE_LIMITED);
            return false;
        }
        return true;
    }

    private void authenticatedFrom(Peer peer, PacketBuffer b) {
        if (!b.sourceMatches(peer.endpoint)) {
            peer.endpoint = b.source();
        }
        peer.rxBytes.addAndGet(b.length());
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketReceived();
    }

    @Override
    public void sendHandshakeInitiation(Peer peer, boolean retry) {
        if (!peer.running) {
            return;
        }
        if (!retry) {
            peer.timers.handshakeAttempts.set(0);
        }
        if (peer.endpoint == null) {
            // Nowhere to send it: an attempt that sends nothing must not hold the next one back for
            // REKEY_TIMEOUT, nor start the retry timer. The packet that needs it stays staged; the next packet,
            // or learning an endpoint, starts the handshake at once.
            device.drops.count(Drops.Reason.NO_ENDPOINT, 1, peer);
            return;
        }
        long now = device.clock.nanoTime();
        synchronized (peer.handshake) {
            if (now - peer.handshake.lastSentHandshake < Protocol.REKEY_TIMEOUT) {
                return;
            }
            peer.handshake.lastSentHandshake = now;
        }
        WgMessage.Initiation init = noise.createInitiation(device.identity, peer);
        if (init == null) {
            return;
        }
        byte[] encoded = init.encode();
        peer.cookies.addMacs(encoded, WgMessage.Initiation.OFFSET_MAC1);
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketSent();
        sender.sendHandshake(peer, init, encoded);
        peer.timers.handshakeInitiated();
    }

    private void sendHandshakeResponse(Peer peer) {
        synchronized (peer.handshake) {
            peer.handshake.lastSentHandshake = device.clock.nanoTime();
        }
        WgMessage.Response resp = noise.createResponse(peer);
        if (resp == null) {
            return;
        }
        byte[] encoded = resp.encode();
        peer.cookies.addMacs(encoded, WgMessage.Response.OFFSET_MAC1);
        Keypair kp = noise.beginSession(peer);
        if (kp == null) {
            return;
        }
        device.installSession(peer, kp);
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketSent();
        sender.sendHandshake(peer, resp, encoded);
    }

    @Override
    public void sendKeepalive(Peer peer) {
        if (!peer.running) {
            return;
        }
        if (peer.staged.size() == 0) {
            PacketBuffer b = device.pool.acquire();
            if (b == null) {
                device.drops.count(Drops.Reason.NO_BUFFER);
                return;
            }
            b.set(PacketBuffer.HEADROOM, 0);
            peer.stage(b, device.drops);
        }
        sendStaged(peer);
    }

    /** Sends what the peer has staged, or starts a handshake when there is no usable session. */
    void sendStaged(Peer peer) {
        peer.sendLock.lock();
        try {
            sendStagedLocked(peer);
        } finally {
            peer.sendLock.unlock();
        }
    }

    private void sendStagedLocked(Peer peer) {
        if (!peer.running || peer.staged.size() == 0) {
            return;
        }
        Keypair kp = peer.current;
        if (kp == null || !device.usableForSending(kp) || !sender.sendStagedLocked(peer, kp, flushBatch, false)) {
            sendHandshakeInitiation(peer, false);
        }
    }

    @Override
    public void giveUpHandshake(Peer peer) {
        peer.timers.sendKeepalive.del();
        peer.flushStaged();
    }

    @Override
    public void zeroKeyMaterial(Peer peer) {
        device.zeroAndFlushAll(peer);
    }
}
