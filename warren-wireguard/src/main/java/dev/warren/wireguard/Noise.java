package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import dev.warren.crypto.Blake2s;
import dev.warren.crypto.Kdf;
import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wireguard.tables.IndexTable;

import java.security.InvalidKeyException;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * WireGuard's handshake, Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with WireGuard's prologue (paper §5.4.2–§5.4.5).
 *
 * <pre>
 * initiator                                            responder
 * 1. createInitiation: e, es, s, ss, {timestamp}  ──►  2. consumeInitiation: learn the peer from s, check
 *                                                          the timestamp is newer, rate-limit
 * 4. consumeResponse: ee, se, psk, {}            ◄──  3. createResponse: e, ee, se, psk, {}
 * 5. beginSession on both sides: (send, receive) = KDF2(chaining key, ε), swapped for the responder
 * </pre>
 *
 * Each step runs under the peer's handshake lock and changes the handshake only when the whole message
 * checks out, so a forged or replayed message leaves no trace. Not thread-safe beyond that: one instance per
 * thread (it holds an {@link Aead}), used by the control loop.
 */
final class Noise {
    static final byte[] INITIAL_CHAIN_KEY = Blake2s.hash(Protocol.CONSTRUCTION);
    static final byte[] INITIAL_HASH = Blake2s.hash(INITIAL_CHAIN_KEY, Protocol.IDENTIFIER);
    private static final byte[] EMPTY = new byte[0];

    private final Aead aead;
    private final Clock clock;
    private final RandomGenerator rng;
    private final IndexTable<Object> indices;

    Noise(Aead aead, Clock clock, RandomGenerator rng, IndexTable<Object> indices) {
        this.aead = aead;
        this.clock = clock;
        this.rng = rng;
        this.indices = indices;
    }

    /** Step 1. Returns the initiation without MACs, or null when we have no private key. */
    WgMessage.Initiation createInitiation(StaticIdentity id, Peer peer) {
        if (id == null) {
            return null;
        }
        Handshake hs = peer.handshake;
        synchronized (hs) {
            if (!hs.hasStaticStaticLocked()) {
                return null;
            }
            byte[] hash = Blake2s.hash(INITIAL_HASH, hs.remoteStatic.toBytes());
            byte[] ck = INITIAL_CHAIN_KEY.clone();
            PrivateKey ephemeral = X25519.generatePrivateKey(rng);
            byte[] ePub = X25519.publicKey(ephemeral).toBytes();
            ck = Kdf.kdf(1, ck, ePub)[0];
            hash = Blake2s.hash(hash, ePub);
            byte[] es;
            try {
                es = X25519.sharedSecret(ephemeral, hs.remoteStatic);
            } catch (InvalidKeyException e) {
                return null;
            }
            byte[][] t = Kdf.kdf(2, ck, es);
            ck = t[0];
            byte[] encStatic = aead.seal(t[1], 0, id.publicKey().toBytes(), hash);
            hash = Blake2s.hash(hash, encStatic);
            t = Kdf.kdf(2, ck, hs.precomputedStaticStatic);
            ck = t[0];
            byte[] encTimestamp = aead.seal(t[1], 0, Tai64n.of(clock.epochNanos()), hash);
            hash = Blake2s.hash(hash, encTimestamp);

            releaseIndexLocked(hs, peer);
            releaseCrossedLocked(hs, peer); // a new initiation supersedes one set aside
            hs.localIndex = indices.allocate(peer);
            hs.hash = hash;
            hs.chainKey = ck;
            hs.localEphemeral = ephemeral;
            hs.state = Handshake.State.INITIATION_CREATED;
            return new WgMessage.Initiation(hs.localIndex, ePub, encStatic, encTimestamp, new byte[16], new byte[16]);
        }
    }

    /** Step 2. Returns the initiating peer, or null when the message is not a valid, fresh initiation for us. */
    Peer consumeInitiation(StaticIdentity id, WgMessage.Initiation msg, Function<PublicKey, Peer> peers) {
        if (id == null) {
            return null;
        }
        byte[] hash = Blake2s.hash(INITIAL_HASH, id.publicKey().toBytes());
        byte[] ck = INITIAL_CHAIN_KEY;
        hash = Blake2s.hash(hash, msg.ephemeral());
        ck = Kdf.kdf(1, ck, msg.ephemeral())[0];
        byte[] es;
        try {
            es = X25519.sharedSecret(id.privateKey(), PublicKey.of(msg.ephemeral()));
        } catch (InvalidKeyException e) {
            return null;
        }
        byte[][] t = Kdf.kdf(2, ck, es);
        ck = t[0];
        byte[] staticBytes = aead.open(t[1], 0, msg.encryptedStatic(), hash);
        if (staticBytes == null) {
            return null;
        }
        hash = Blake2s.hash(hash, msg.encryptedStatic());
        Peer peer = peers.apply(PublicKey.of(staticBytes));
        if (peer == null) {
            return null;
        }
        Handshake hs = peer.handshake;
        synchronized (hs) {
            if (!hs.hasStaticStaticLocked()) {
                return null;
            }
            t = Kdf.kdf(2, ck, hs.precomputedStaticStatic);
            byte[] ck2 = t[0];
            byte[] timestamp = aead.open(t[1], 0, msg.encryptedTimestamp(), hash);
            if (timestamp == null) {
                return null;
            }
            byte[] hash2 = Blake2s.hash(hash, msg.encryptedTimestamp());
            long now = clock.nanoTime();
            boolean replay = !Tai64n.after(timestamp, hs.lastTimestamp);
            boolean flood = now - hs.lastInitiationConsumption <= Protocol.HANDSHAKE_INITIATION_RATE;
            if (replay || flood) {
                return null;
            }
            if (hs.state == Handshake.State.INITIATION_CREATED && now - hs.lastSentHandshake < Protocol.REKEY_TIMEOUT) {
                // Crossing initiations: both sides initiated at once. Answering theirs overwrites ours, and then
                // each side would drop the other's response and wait REKEY_TIMEOUT as an unconfirmed responder.
                // Set ours aside instead: we answer theirs (a responder session) and can still consume the
                // response to ours (an initiator session, which confirms at once). Each side then sends on its
                // initiator session and receives on the other, both sessions valid; the peer need not do the same.
                releaseCrossedLocked(hs, peer);
                hs.crossedHash = hs.hash;
                hs.crossedChainKey = hs.chainKey;
                hs.crossedEphemeral = hs.localEphemeral;
                hs.crossedIndex = hs.localIndex;
                hs.crossedAt = now;
                hs.localIndex = 0; // the index now belongs to the set-aside initiation
                hs.localEphemeral = null;
            }
            releaseIndexLocked(hs, peer);
            hs.hash = hash2;
            hs.chainKey = ck2;
            hs.remoteIndex = msg.sender();
            hs.remoteEphemeral = msg.ephemeral().clone();
            hs.lastTimestamp = timestamp;
            hs.lastInitiationConsumption = now;
            hs.state = Handshake.State.INITIATION_CONSUMED;
            return peer;
        }
    }

    /** Step 3. Returns the response without MACs, or null when no initiation was consumed. */
    WgMessage.Response createResponse(Peer peer) {
        Handshake hs = peer.handshake;
        synchronized (hs) {
            if (hs.state != Handshake.State.INITIATION_CONSUMED) {
                return null;
            }
            byte[] hash = hs.hash;
            byte[] ck = hs.chainKey;
            PrivateKey ephemeral = X25519.generatePrivateKey(rng);
            byte[] ePub = X25519.publicKey(ephemeral).toBytes();
            hash = Blake2s.hash(hash, ePub);
            ck = Kdf.kdf(1, ck, ePub)[0];
            try {
                ck = Kdf.kdf(1, ck, X25519.sharedSecret(ephemeral, PublicKey.of(hs.remoteEphemeral)))[0];
                ck = Kdf.kdf(1, ck, X25519.sharedSecret(ephemeral, hs.remoteStatic))[0];
            } catch (InvalidKeyException e) {
                return null;
            }
            byte[][] t = Kdf.kdf(3, ck, hs.presharedKey.toBytes());
            ck = t[0];
            hash = Blake2s.hash(hash, t[1]);
            byte[] encNothing = aead.seal(t[2], 0, EMPTY, hash);
            hash = Blake2s.hash(hash, encNothing);

            hs.localIndex = indices.allocate(peer);
            hs.hash = hash;
            hs.chainKey = ck;
            hs.localEphemeral = null;
            hs.state = Handshake.State.RESPONSE_CREATED;
            return new WgMessage.Response(hs.localIndex, hs.remoteIndex, ePub, encNothing, new byte[16], new byte[16]);
        }
    }

    /** Step 4. Returns the responding peer, or null when the response does not answer our initiation. */
    Peer consumeResponse(StaticIdentity id, WgMessage.Response msg) {
        if (id == null) {
            return null;
        }
        if (!(indices.get(msg.receiver()) instanceof Peer peer)) {
            return null;
        }
        Handshake hs = peer.handshake;
        synchronized (hs) {
            if (hs.state != Handshake.State.INITIATION_CREATED || hs.localIndex != msg.receiver()) {
                if (!restoreCrossedLocked(hs, msg.receiver())) {
                    return null;
                }
            }
            byte[] hash = Blake2s.hash(hs.hash, msg.ephemeral());
            byte[] ck = Kdf.kdf(1, hs.chainKey, msg.ephemeral())[0];
            try {
                PublicKey remoteEphemeral = PublicKey.of(msg.ephemeral());
                ck = Kdf.kdf(1, ck, X25519.sharedSecret(hs.localEphemeral, remoteEphemeral))[0];
                ck = Kdf.kdf(1, ck, X25519.sharedSecret(id.privateKey(), remoteEphemeral))[0];
            } catch (InvalidKeyException e) {
                return null;
            }
            byte[][] t = Kdf.kdf(3, ck, hs.presharedKey.toBytes());
            ck = t[0];
            hash = Blake2s.hash(hash, t[1]);
            if (aead.open(t[2], 0, msg.encryptedNothing(), hash) == null) {
                return null;
            }
            hash = Blake2s.hash(hash, msg.encryptedNothing());
            hs.hash = hash;
            hs.chainKey = ck;
            hs.remoteIndex = msg.sender();
            hs.state = Handshake.State.RESPONSE_CONSUMED;
            return peer;
        }
    }

    /**
     * Step 5. Derives the session from a completed handshake and zeroes the handshake. The handshake's local
     * index now names the keypair. Returns null if the handshake is not in a completed state.
     */
    Keypair beginSession(Peer peer) {
        Handshake hs = peer.handshake;
        synchronized (hs) {
            boolean initiator;
            if (hs.state == Handshake.State.RESPONSE_CONSUMED) {
                initiator = true;
            } else if (hs.state == Handshake.State.RESPONSE_CREATED) {
                initiator = false;
            } else {
                return null;
            }
            byte[][] t = Kdf.kdf(2, hs.chainKey, EMPTY);
            byte[] send = initiator ? t[0] : t[1];
            byte[] recv = initiator ? t[1] : t[0];
            Keypair kp = new Keypair(peer, AeadKey.of(send), AeadKey.of(recv), initiator, clock.nanoTime(),
                    hs.localIndex, hs.remoteIndex);
            Handshake.wipe(t[0]);
            Handshake.wipe(t[1]);
            indices.put(hs.localIndex, kp);
            hs.localIndex = 0; // now owned by the keypair
            hs.clearLocked();
            return kp;
        }
    }

    /**
     * Makes the initiation set aside by a crossing the handshake in progress again, when {@code receiver} names it,
     * it is fresh (under REKEY_TIMEOUT old) and no other handshake is half-way. Caller holds the handshake lock.
     */
    private boolean restoreCrossedLocked(Handshake hs, int receiver) {
        if (hs.crossedIndex == 0 || hs.crossedIndex != receiver || hs.state != Handshake.State.ZEROED
                || hs.localIndex != 0 || clock.nanoTime() - hs.crossedAt >= Protocol.REKEY_TIMEOUT) {
            return false;
        }
        hs.hash = hs.crossedHash;
        hs.chainKey = hs.crossedChainKey;
        hs.localEphemeral = hs.crossedEphemeral;
        hs.localIndex = hs.crossedIndex;
        hs.state = Handshake.State.INITIATION_CREATED;
        hs.crossedHash = null;
        hs.crossedChainKey = null;
        hs.crossedEphemeral = null;
        hs.crossedIndex = 0;
        hs.crossedAt = Handshake.NEVER;
        return true;
    }

    /** Forgets an initiation set aside by a crossing, and its index. Caller holds the handshake lock. */
    void releaseCrossedLocked(Handshake hs, Peer peer) {
        if (hs.crossedIndex != 0) {
            indices.remove(hs.crossedIndex, peer);
        }
        Handshake.wipe(hs.crossedHash);
        Handshake.wipe(hs.crossedChainKey);
        hs.crossedHash = null;
        hs.crossedChainKey = null;
        hs.crossedEphemeral = null;
        hs.crossedIndex = 0;
        hs.crossedAt = Handshake.NEVER;
    }

    /** Drops the index of an abandoned handshake so the table does not leak. Caller holds the handshake lock. */
    void releaseIndexLocked(Handshake hs, Peer peer) {
        if (hs.localIndex != 0) {
            indices.remove(hs.localIndex, peer);
            hs.localIndex = 0;
        }
    }
}
