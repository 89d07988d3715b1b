package dev.warren.wireguard;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.MpmcRing;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.PublicKey;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A WireGuard peer: its identity, where to reach it, its sessions, the packets waiting for a session, its
 * timers and counters.
 *
 * <p>Sessions: {@code current} sends; {@code previous} still receives for a while after a rekey; {@code next}
 * is a responder's fresh session, promoted to current when the first packet arrives under it (that packet
 * proves the initiator has it, paper §5.4.6).
 *
 * <p>Concurrency: the session fields are volatile and written only under {@code keypairsLock}; the packet
 * paths read them without locks. {@code endpoint} is volatile (roaming writes it from a receive thread).
 * The staged queue is lock-free for adding; taking packets out of it and sending them — reserving counters,
 * sealing, handing them to the bind — happens only under {@code sendLock}, so the TUN thread and the control
 * loop never interleave a peer's packets out of order. Lock order: {@code sendLock}, then {@code handshake},
 * then {@code keypairsLock}.
 */
final class Peer {
    final PublicKey publicKey;
    final Handshake handshake;
    final CookieGenerator cookies;
    final PeerTimers timers;

    final Object keypairsLock = new Object();
    /** Held while taking staged packets out and while sealing and sending this peer's packets. */
    final java.util.concurrent.locks.ReentrantLock sendLock = new java.util.concurrent.locks.ReentrantLock();
    // written under keypairsLock
    volatile Keypair current;
    // written under keypairsLock
    volatile Keypair previous;
    // written under keypairsLock
    volatile Keypair next;

    volatile Endpoint endpoint;
    /** Seconds; 0 = off. */
    volatile int persistentKeepalive;
    /** False once the peer is removed from its device; packets for it are then dropped. */
    volatile boolean running = true;

    final MpmcRing<PacketBuffer> staged = new MpmcRing<>(Protocol.MAX_STAGED_PACKETS);
    /** Set while an initiation request is queued for the control loop, so the packet path posts only one. */
    final AtomicBoolean initiationQueued = new AtomicBoolean();
    /** Set while a staged-packet flush is queued for the control loop. */
    final AtomicBoolean flushQueued = new AtomicBoolean();

    /** Posted to the control loop to start a handshake / flush staged packets; set once at creation. */
    Runnable initiateTask;
    Runnable flushTask;

    final AtomicLong txBytes = new AtomicLong();
    final AtomicLong rxBytes = new AtomicLong();
    /** Wall-clock nanoseconds of the last completed handshake, 0 = never. */
    volatile long lastHandshakeEpochNanos;

    Peer(PublicKey publicKey, CookieGenerator cookies, PeerTimers.Factory timers) {
        this.publicKey = publicKey;
        this.handshake = new Handshake(publicKey);
        this.cookies = cookies;
        this.timers = timers.create(this);
    }

    /**
     * Installs a new session (paper §5.4.6 key rotation). An initiator's session becomes current at once; a
     * responder's waits in {@code next}. Returns the sessions that fell out, for the caller to retire.
     */
    Keypair[] install(Keypair kp) {
        synchronized (keypairsLock) {
            Keypair prev = previous;
            Keypair nxt = next;
            Keypair cur = current;
            if (kp.initiator) {
                if (nxt != null) {
                    next = null;
                    previous = nxt;
                    current = kp;
                    return new Keypair[] {prev, cur};
                }
                previous = cur;
                current = kp;
                return new Keypair[] {prev};
            }
            next = kp;
            previous = null;
            return new Keypair[] {nxt, prev};
        }
    }

    /**
     * Called for each authenticated packet: when it arrived under {@code next}, that session becomes current
     * (the handshake is confirmed). Returns true exactly then, with the retired session passed to {@code retire}.
     */
    boolean receivedWith(Keypair kp, Consumer<Keypair> retire) {
        if (next != kp) {
            return false;
        }
        Keypair old;
        synchronized (keypairsLock) {
            if (next != kp) {
                return false;
            }
            old = previous;
            previous = current;
            current = kp;
            next = null;
        }
        if (old != null) {
            retire.accept(old);
        }
        return true;
    }

    /** Removes all sessions; returns them for the caller to retire. */
    Keypair[] clearKeypairs() {
        synchronized (keypairsLock) {
            Keypair[] all = {previous, current, next};
            previous = null;
            current = null;
            next = null;
            return all;
        }
    }

    /** Makes the sending sessions unusable so the next packet starts a handshake (private key changed). */
    void expireCurrentKeypairs() {
        synchronized (keypairsLock) {
            if (current != null) {
                current.expireSending();
            }
            if (next != null) {
                next.expireSending();
            }
        }
    }

    /**
     * Queues a packet until a session exists, dropping (and counting) the oldest queued one when full, as
     * wireguard-go does. Ownership of {@code b} passes to the queue.
     */
    void stage(PacketBuffer b, Drops drops) {
        while (!staged.offer(b)) {
            PacketBuffer old = staged.poll();
            if (old != null) {
                old.release();
                drops.count(Drops.Reason.STAGED_OVERFLOW);
            }
        }
    }

    /** Releases every staged packet. */
    void flushStaged() {
        PacketBuffer b;
        while ((b = staged.poll()) != null) {
            b.release();
        }
    }

    @Override
    public String toString() {
        String k = publicKey.toBase64();
        return "peer(" + k.substring(0, 4) + "…" + k.substring(40) + ")";
    }
}
