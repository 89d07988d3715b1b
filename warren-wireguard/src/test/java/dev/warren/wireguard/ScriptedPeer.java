package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.crypto.X25519;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;
import dev.warren.wire.wireguard.TransportHeader;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wireguard.tables.IndexTable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.InvalidKeyException;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One end of a WireGuard session driven step by step by a test, built from the engine's own handshake
 * ({@link Noise}), session ({@link Keypair}), MAC ({@link CookieGenerator}) and sealing ({@link Sender#seal})
 * code, but with no threads, timers or sockets: every message is a byte array the test sends or inspects.
 * Used as the initiator or responder opposite wireguard-go (transcripts) and opposite a real {@link Device}
 * (timer and cookie tests), where the test must control exactly what the other side sends and when.
 *
 * <p>The ephemeral keys come from {@code ephemerals} and the sender indices from {@code indices}, two separate
 * generators, so a transcript does not depend on the order in which the engine draws them.
 */
final class ScriptedPeer {
    static final int MTU = 1420;
    private static final Scheduler NO_TIMERS = (task, delay) -> () -> { };
    private static final PeerTimers.Actions NO_ACTIONS = new PeerTimers.Actions() {
        @Override
        public void sendHandshakeInitiation(Peer peer, boolean retry) {
        }

        @Override
        public void sendKeepalive(Peer peer) {
        }

        @Override
        public void giveUpHandshake(Peer peer) {
        }

        @Override
        public void zeroKeyMaterial(Peer peer) {
        }
    };

    final StaticIdentity identity;
    /** The other side as our handshake sees it: its static key, our psk, its cookie for our mac2. */
    final Peer remote;
    private final Clock clock;
    private final IndexTable<Object> indexTable;
    private final Noise noise;
    private final Aead aead = Aead.create();
    /** The newest session, or null. */
    private volatile Keypair session;

    ScriptedPeer(PrivateKey ours, PublicKey theirs, PresharedKey psk, Clock clock, RandomGenerator ephemerals,
                 RandomGenerator indices) {
        this.identity = StaticIdentity.of(ours);
        this.clock = clock;
        this.indexTable = new IndexTable<>(indices);
        this.noise = new Noise(Aead.create(), clock, ephemerals, indexTable);
        this.remote = new Peer(theirs, new CookieGenerator(clock, theirs),
                PeerTimers.factory(clock, NO_TIMERS, Runnable::run, RandomGenerator.of("L64X128MixRandom"), NO_ACTIONS));
        synchronized (remote.handshake) {
            try {
                remote.handshake.precomputedStaticStatic = X25519.sharedSecret(ours, theirs);
            } catch (InvalidKeyException e) {
                throw new IllegalArgumentException(e);
            }
            remote.handshake.presharedKey = psk;
        }
    }

    PublicKey publicKey() {
        return identity.publicKey();
    }

    Keypair session() {
        return session;
    }

    /** A handshake initiation with mac1 (and mac2 if the other side gave us a cookie). */
    byte[] initiation() {
        WgMessage.Initiation init = noise.createInitiation(identity, remote);
        if (init == null) {
            throw new IllegalStateException("cannot create an initiation");
        }
        byte[] encoded = init.encode();
        remote.cookies.addMacs(encoded, WgMessage.Initiation.OFFSET_MAC1);
        return encoded;
    }

    /** Consumes a response to our last initiation; true when it completed the handshake (session installed). */
    boolean consumeResponse(byte[] datagram) {
        if (!(decode(datagram) instanceof WgMessage.Response resp)) {
            return false;
        }
        if (noise.consumeResponse(identity, resp) != remote) {
            return false;
        }
        session = noise.beginSession(remote);
        return session != null;
    }

    /** Consumes an initiation and returns our response (with macs), the new session installed; null if refused. */
    byte[] respond(byte[] initiation) {
        if (!(decode(initiation) instanceof WgMessage.Initiation init)) {
            return null;
        }
        if (noise.consumeInitiation(identity, init, k -> k.equals(remote.publicKey) ? remote : null) != remote) {
            return null;
        }
        WgMessage.Response resp = noise.createResponse(remote);
        if (resp == null) {
            return null;
        }
        byte[] encoded = resp.encode();
        remote.cookies.addMacs(encoded, WgMessage.Response.OFFSET_MAC1);
        session = noise.beginSession(remote);
        return encoded;
    }

    /** Takes a cookie reply for our last handshake message; true when it decrypted. */
    boolean consumeCookieReply(byte[] datagram) {
        return decode(datagram) instanceof WgMessage.CookieReply reply && remote.cookies.consumeReply(reply);
    }

    /** Seals {@code packet} under the newest session with its next counter. */
    byte[] seal(byte[] packet) {
        Keypair kp = requireSession();
        return seal(packet, kp.reserveNonces(1));
    }

    /** Seals {@code packet} under the newest session with an explicit counter (replays, reordering). */
    byte[] seal(byte[] packet, long counter) {
        PacketBuffer b = PacketBuffer.allocate(PacketBuffer.HEADROOM + packet.length + PacketBuffer.TAILROOM + 64);
        b.copyFrom(packet, 0, PacketBuffer.HEADROOM, packet.length);
        b.set(PacketBuffer.HEADROOM, packet.length);
        Sender.seal(aead, requireSession(), counter, b, MTU);
        return b.toByteArray();
    }

    /** A keepalive: a transport message with an empty payload. */
    byte[] keepalive() {
        return seal(new byte[0]);
    }

    /**
     * Opens a transport message addressed to one of our sessions; returns the (padded) plaintext, or null when
     * it is not a transport message for us or does not authenticate. No replay check.
     */
    byte[] open(byte[] datagram) {
        if (datagram.length < TransportHeader.MIN_SIZE || datagram[0] != WgMessage.TYPE_TRANSPORT) {
            return null;
        }
        ByteBuffer h = ByteBuffer.wrap(datagram).order(ByteOrder.LITTLE_ENDIAN);
        if (!(indexTable.get(h.getInt(TransportHeader.OFFSET_RECEIVER)) instanceof Keypair kp)) {
            return null;
        }
        long counter = h.getLong(TransportHeader.OFFSET_COUNTER);
        ByteBuffer in = ByteBuffer.wrap(datagram, TransportHeader.SIZE, datagram.length - TransportHeader.SIZE);
        ByteBuffer out = ByteBuffer.allocate(datagram.length);
        int n = aead.open(kp.receiveKey, counter, in, out, null);
        return n < 0 ? null : Arrays.copyOf(out.array(), n);
    }

    /** The counter field of a transport message. */
    static long counterOf(byte[] transport) {
        return ByteBuffer.wrap(transport).order(ByteOrder.LITTLE_ENDIAN).getLong(TransportHeader.OFFSET_COUNTER);
    }

    /** The message type (first little-endian word) of a datagram, or -1 if shorter than 4 bytes. */
    static int typeOf(byte[] datagram) {
        return datagram.length < 4 ? -1 : ByteBuffer.wrap(datagram).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    long nanoTime() {
        return clock.nanoTime();
    }

    private Keypair requireSession() {
        Keypair kp = session;
        if (kp == null) {
            throw new IllegalStateException("no session yet");
        }
        return kp;
    }

    private static WgMessage decode(byte[] datagram) {
        try {
            return WgMessage.decode(ByteBuffer.wrap(datagram));
        } catch (MalformedMessageException e) {
            return null;
        }
    }
}
