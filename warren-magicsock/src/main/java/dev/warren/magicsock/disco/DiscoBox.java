package dev.warren.magicsock.disco;

import dev.warren.crypto.Box;
import dev.warren.crypto.X25519;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's disco key pair and the sealed boxes it exchanges with peers' disco keys.
 *
 * <p>What: {@link #seal} builds a {@link DiscoFrame} (magic, our disco key, random nonce, {@link Box} of the
 * {@link DiscoMessage}); {@link #open} checks a frame, finds the sender's precomputed box key and returns the
 * message, or null for anything that is not a frame sealed to us by a registered peer.
 *
 * <p>Why only registered peers: opening a box from an unknown key would cost an X25519 per datagram, which a
 * stranger could make us spend at line rate. {@link #retain} keeps exactly the peers control told us about; a frame
 * from any other key is dropped before any cryptography. The disco key pair is generated per instance (each
 * daemon start), independent of the node key, so path discovery never touches the WireGuard identity.
 *
 * <p>Threads: thread-safe; the key cache is a {@link ConcurrentHashMap} and {@link Box.SharedKey} is immutable.
 */
public final class DiscoBox {
    private final PrivateKey privateKey;
    private final DiscoKey publicKey;
    /** Precomputed box keys of registered peers; concurrent map, replaced entries are only ever whole keys. */
    private final Map<DiscoKey, Box.SharedKey> shared = new ConcurrentHashMap<>();

    public DiscoBox(PrivateKey privateKey) {
        this.privateKey = privateKey;
        this.publicKey = DiscoKey.of(X25519.publicKey(privateKey));
    }

    /** A new random disco key pair. */
    public static DiscoBox generate() {
        return new DiscoBox(X25519.generatePrivateKey());
    }

    public DiscoKey publicKey() {
        return publicKey;
    }

    /** An opened disco frame: who sealed it and what it says. */
    public record Opened(DiscoKey sender, DiscoMessage message) {
    }

    /**
     * Keeps box keys for exactly {@code peers} (computing the new ones). A key of small order is refused with an
     * {@link IllegalArgumentException} naming it, and nothing changes.
     */
    public void retain(Collection<DiscoKey> peers) {
        Map<DiscoKey, Box.SharedKey> fresh = new java.util.HashMap<>();
        for (DiscoKey k : peers) {
            if (!shared.containsKey(k) && !fresh.containsKey(k)) {
                fresh.put(k, precompute(k));
            }
        }
        Set<DiscoKey> keep = new HashSet<>(peers);
        shared.keySet().retainAll(keep);
        shared.putAll(fresh);
    }

    /** Adds one peer's disco key (see {@link #retain}). */
    public void register(DiscoKey peer) {
        shared.computeIfAbsent(peer, this::precompute);
    }

    public boolean isRegistered(DiscoKey peer) {
        return shared.containsKey(peer);
    }

    private Box.SharedKey precompute(DiscoKey k) {
        try {
            return Box.precompute(privateKey, k.publicKey());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("disco key " + k.shortString() + " is unusable: " + e.getMessage());
        }
    }

    /** Seals {@code m} to the registered peer {@code to} as a whole disco frame. */
    public byte[] seal(DiscoKey to, DiscoMessage m) {
        Box.SharedKey k = shared.get(to);
        if (k == null) {
            throw new IllegalStateException("disco key " + to.shortString() + " is not a registered peer");
        }
        byte[] nonce = Box.randomNonce();
        byte[] sealed = k.seal(nonce, m.encode());
        return new DiscoFrame(publicKey.publicKey().toBytes(), nonce, sealed).encode();
    }

    /**
     * Opens {@code b[off, off+len)}. Returns null (never throws) when it is not a disco frame, comes from an
     * unregistered key (or our own), fails authentication, or holds a malformed payload.
     */
    public Opened open(byte[] b, int off, int len) {
        if (!DiscoFrame.looksLikeDisco(b, off, len)) {
            return null;
        }
        DiscoFrame f;
        try {
            f = DiscoFrame.decode(ByteBuffer.wrap(b, off, len));
        } catch (MalformedMessageException e) {
            return null;
        }
        if (Arrays.equals(f.senderDiscoKey(), publicKey.publicKey().toBytes())) {
            return null;
        }
        DiscoKey sender = DiscoKey.of(PublicKey.of(f.senderDiscoKey()));
        Box.SharedKey k = shared.get(sender);
        if (k == null) {
            return null;
        }
        byte[] plain = k.open(f.nonce(), f.sealed());
        if (plain == null) {
            return null;
        }
        try {
            return new Opened(sender, DiscoMessage.decode(ByteBuffer.wrap(plain)));
        } catch (MalformedMessageException e) {
            return null;
        }
    }
}
