package dev.warren.crypto;

import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import java.security.InvalidKeyException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.AEADBadTagException;

/**
 * One side of a Noise {@code IK} or {@code IKpsk2} handshake over {@code 25519_ChaChaPoly_BLAKE2s}
 * (Noise specification revision 34, §5.3 and §7–§9):
 *
 * <pre>
 *   IK:                        IKpsk2 (WireGuard, with prologue "WireGuard v1 zx2c4 Jason@zx2c4.com"):
 *     &lt;- s                       &lt;- s
 *     ...                        ...
 *     -&gt; e, es, s, ss            -&gt; e, es, s, ss          (payload: 12-byte TAI64N timestamp)
 *     &lt;- e, ee, se               &lt;- e, ee, se, psk       (payload: empty)
 * </pre>
 *
 * In a psk pattern every {@code e} token is followed by MixKey(e) (§9.2); WireGuard writes this as
 * {@code C = KDF1(C, E_pub)}. Message 1 is {@code 32 + 48 + (payload + 16)} bytes, message 2
 * {@code 32 + (payload + 16)}: 108 and 48 bytes for WireGuard ({@link #messageLength}).
 *
 * <p>Flow: build with {@link #builder}; the initiator {@link #writeMessage writes} message 1, the
 * responder {@link #readMessage reads} it, learns {@link #remoteStatic()}, looks up that peer, sets its
 * {@link #setPresharedKey preshared key} (IKpsk2) and writes message 2, which the initiator reads. Both
 * then {@link #split()} into {@link TransportKeys}. {@link #nextAction()} says which call is due.
 *
 * <p>Invariants: every {@code writeMessage}/{@code readMessage} either completes and advances the
 * handshake or throws and leaves it exactly as it was (it works on a copy of the symmetric state and
 * commits at the end), so a forged or corrupted message cannot kill a pending handshake, and the same
 * instance can still accept the genuine message. Bad bytes only ever raise {@link HandshakeException}.
 *
 * <p>Not thread-safe: one handshake is driven by one thread at a time. Private keys held as
 * {@link PrivateKey} cannot be zeroed (that type is immutable); intermediate secrets are.
 */
public final class NoiseHandshake {
    /** Size of a Curve25519 public key on the wire. */
    public static final int DH_SIZE = 32;
    /** Largest Noise message (§3). */
    public static final int MAX_MESSAGE_SIZE = 65535;
    /** WireGuard's prologue ("identifier" in the whitepaper). */
    public static final String WIREGUARD_PROLOGUE = "WireGuard v1 zx2c4 Jason@zx2c4.com";

    /** The supported handshake patterns, each bound to the 25519/ChaChaPoly/BLAKE2s suite. */
    public enum Pattern {
        /** {@code Noise_IK_25519_ChaChaPoly_BLAKE2s}. */
        IK("Noise_IK_25519_ChaChaPoly_BLAKE2s", false),
        /** {@code Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s}, WireGuard's handshake. */
        IKPSK2("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", true);

        private final String protocolName;
        private final boolean psk;

        Pattern(String protocolName, boolean psk) {
            this.protocolName = protocolName;
            this.psk = psk;
        }

        /** The full Noise protocol name, hashed into the initial state. */
        public String protocolName() {
            return protocolName;
        }

        /** True for a psk pattern, which needs a preshared key before message 2. */
        public boolean usesPsk() {
            return psk;
        }
    }

    /** Which side of the handshake this is. */
    public enum Role { INITIATOR, RESPONDER }

    /** What the handshake expects next. */
    public enum Action { WRITE_MESSAGE, READ_MESSAGE, SPLIT }

    private final Pattern pattern;
    private final Role role;
    private final PrivateKey s;
    private final PublicKey sPub;
    private final Supplier<PrivateKey> ephemeralSource;

    private SymmetricState ss;
    private PublicKey rs;          // initiator: known from the start; responder: after message 1
    private PrivateKey e;
    private PublicKey ePub;
    private PublicKey re;
    private PresharedKey psk;      // null until set; only for psk patterns
    private int messageIndex;      // 0 before message 1, 1 before message 2, 2 when complete
    private boolean split;

    private NoiseHandshake(Builder b, PublicKey localPublic, Aead aead) {
        this.pattern = b.pattern;
        this.role = b.role;
        this.s = b.localStatic;
        this.sPub = localPublic;
        this.rs = b.remoteStatic;
        this.psk = b.psk;
        this.ephemeralSource = b.ephemeralSource;
        this.ss = new SymmetricState(pattern.protocolName(), aead);
        ss.mixHash(b.prologue);
        // Pre-message pattern "<- s": both sides hash the responder's static public key.
        ss.mixHash((role == Role.INITIATOR ? rs : sPub).toBytes());
    }

    /** A builder for one side of a handshake. */
    public static Builder builder(Pattern pattern, Role role) {
        return new Builder(pattern, role);
    }

    /**
     * The length of message {@code messageIndex} (0 or 1) carrying {@code payloadLength} payload bytes:
     * {@code 96 + payload} for message 1 and {@code 48 + payload} for message 2, in both patterns.
     */
    public static int messageLength(Pattern pattern, int messageIndex, int payloadLength) {
        Objects.requireNonNull(pattern, "pattern");
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadLength);
        }
        return switch (messageIndex) {
            case 0 -> DH_SIZE + (DH_SIZE + Aead.TAG_SIZE) + payloadLength + Aead.TAG_SIZE;
            case 1 -> DH_SIZE + payloadLength + Aead.TAG_SIZE;
            default -> throw new IllegalArgumentException("IK handshakes have messages 0 and 1, not " + messageIndex);
        };
    }

    /** What is due next: write, read, or (when both messages are done) split. */
    public Action nextAction() {
        if (messageIndex >= 2) {
            return Action.SPLIT;
        }
        boolean initiatorsTurn = messageIndex == 0;
        return initiatorsTurn == (role == Role.INITIATOR) ? Action.WRITE_MESSAGE : Action.READ_MESSAGE;
    }

    /**
     * Writes the next message with {@code payload} encrypted into it.
     *
     * @throws IllegalStateException when it is not this side's turn, or a psk pattern still lacks its key
     * @throws HandshakeException when a Diffie-Hellman result is zero (a configured remote key of small order)
     */
    public byte[] writeMessage(byte[] payload) throws HandshakeException {
        Objects.requireNonNull(payload, "payload");
        requireAction(Action.WRITE_MESSAGE);
        int length = messageLength(pattern, messageIndex, payload.length);
        if (length > MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes makes message " + (messageIndex + 1)
                    + " longer than " + MAX_MESSAGE_SIZE + " bytes");
        }
        boolean pskStep = messageIndex == 1 && pattern.usesPsk();
        if (pskStep && psk == null) {
            throw new IllegalStateException(pattern.protocolName() + " needs the preshared key before message 2:"
                    + " call setPresharedKey (PresharedKey.NONE when the peer has none)");
        }
        PrivateKey newE = Objects.requireNonNull(ephemeralSource.get(), "ephemeral key source returned null");
        PublicKey newEPub = X25519.publicKey(newE);
        SymmetricState st = ss.copy();
        byte[] msg = new byte[length];
        int pos = 0;
        try {
            pos = put(msg, pos, mixEphemeral(st, newEPub));
            if (messageIndex == 0) {
                // -> e, es, s, ss
                mixDh(st, newE, rs, "es");
                pos = put(msg, pos, st.encryptAndHash(sPub.toBytes()));
                mixDh(st, s, rs, "ss");
            } else {
                // <- e, ee, se [, psk]
                mixDh(st, newE, re, "ee");
                mixDh(st, newE, rs, "se");
                if (pskStep) {
                    mixPsk(st);
                }
            }
            pos = put(msg, pos, st.encryptAndHash(payload));
        } catch (HandshakeException | RuntimeException ex) {
            st.destroy();
            throw ex;
        }
        assert pos == length;
        commit(st);
        e = newE;
        ePub = newEPub;
        return msg;
    }

    /** {@link #readMessage(byte[], int, int)} over the whole array. */
    public byte[] readMessage(byte[] message) throws HandshakeException {
        Objects.requireNonNull(message, "message");
        return readMessage(message, 0, message.length);
    }

    /**
     * Reads the next message from {@code message[offset, offset+length)} and returns its decrypted payload.
     * After message 1 the responder knows {@link #remoteStatic()}.
     *
     * @throws HandshakeException when the message is too short or too long, fails authentication, or
     *     carries a key of small order; the handshake is then unchanged
     * @throws IllegalStateException when it is not this side's turn to read, or an IKpsk2 initiator has no psk
     */
    public byte[] readMessage(byte[] message, int offset, int length) throws HandshakeException {
        Objects.requireNonNull(message, "message");
        Objects.checkFromIndexSize(offset, length, message.length);
        requireAction(Action.READ_MESSAGE);
        int min = messageLength(pattern, messageIndex, 0);
        if (length < min || length > MAX_MESSAGE_SIZE) {
            throw new HandshakeException("handshake message " + (messageIndex + 1) + " is " + length + " bytes; "
                    + pattern.protocolName() + " needs " + min + ".." + MAX_MESSAGE_SIZE);
        }
        boolean pskStep = messageIndex == 1 && pattern.usesPsk();
        if (pskStep && psk == null) {
            throw new IllegalStateException(pattern.protocolName() + " initiator has no preshared key");
        }
        int pos = offset;
        int end = offset + length;
        SymmetricState st = ss.copy();
        PublicKey newRe;
        PublicKey newRs = rs;
        byte[] payload;
        try {
            newRe = PublicKey.of(Arrays.copyOfRange(message, pos, pos + DH_SIZE));
            pos += DH_SIZE;
            mixEphemeral(st, newRe);
            if (messageIndex == 0) {
                // -> e, es, s, ss  (read by the responder)
                mixDh(st, s, newRe, "es");
                byte[] encryptedStatic = Arrays.copyOfRange(message, pos, pos + DH_SIZE + Aead.TAG_SIZE);
                pos += encryptedStatic.length;
                newRs = PublicKey.of(decrypt(st, encryptedStatic, "static key"));
                mixDh(st, s, newRs, "ss");
            } else {
                // <- e, ee, se [, psk]  (read by the initiator)
                mixDh(st, e, newRe, "ee");
                mixDh(st, s, newRe, "se");
                if (pskStep) {
                    mixPsk(st);
                }
            }
            payload = decrypt(st, Arrays.copyOfRange(message, pos, end), "payload");
        } catch (HandshakeException | RuntimeException ex) {
            st.destroy();
            throw ex;
        }
        commit(st);
        re = newRe;
        rs = newRs;
        return payload;
    }

    /**
     * Sets the preshared key of a psk pattern. The initiator normally passes it to the builder; the IKpsk2
     * responder learns who the initiator is from message 1 and sets the key before writing message 2.
     *
     * @throws IllegalStateException for a pattern without psk, or once message 2 has been processed
     */
    public void setPresharedKey(PresharedKey key) {
        Objects.requireNonNull(key, "key");
        if (!pattern.usesPsk()) {
            throw new IllegalStateException(pattern.protocolName() + " has no psk token");
        }
        if (messageIndex >= 2) {
            throw new IllegalStateException("the preshared key was already mixed into the handshake");
        }
        this.psk = key;
    }

    /** The peer's static public key: from the builder for the initiator, from message 1 for the responder. */
    public Optional<PublicKey> remoteStatic() {
        return Optional.ofNullable(rs);
    }

    /** The peer's ephemeral public key, once its message has been read. */
    public Optional<PublicKey> remoteEphemeral() {
        return Optional.ofNullable(re);
    }

    /** This side's ephemeral public key, once its message has been written. */
    public Optional<PublicKey> localEphemeral() {
        return Optional.ofNullable(ePub);
    }

    /** This side's static public key. */
    public PublicKey localStatic() {
        return sPub;
    }

    public Pattern pattern() {
        return pattern;
    }

    public Role role() {
        return role;
    }

    /** True when both messages have been processed. */
    public boolean isComplete() {
        return messageIndex >= 2;
    }

    /** A copy of the current handshake hash {@code h}; after completion, the session's channel binding. */
    public byte[] handshakeHash() {
        requireNotSplit();
        return ss.handshakeHash();
    }

    /**
     * Splits the completed handshake into transport keys oriented for this side (the initiator sends with
     * the first Noise key, the responder with the second) and destroys the handshake's secrets.
     *
     * @throws IllegalStateException before completion or when called twice
     */
    public TransportKeys split() {
        requireNotSplit();
        if (!isComplete()) {
            throw new IllegalStateException("handshake is not complete; next action is " + nextAction());
        }
        byte[][] keys = ss.split();
        byte[] hash = ss.handshakeHash();
        ss.destroy();
        split = true;
        return role == Role.INITIATOR ? new TransportKeys(keys[0], keys[1], hash) : new TransportKeys(keys[1], keys[0], hash);
    }

    @Override
    public String toString() {
        return "NoiseHandshake(" + pattern.protocolName() + ", " + role + ", next " + (split ? "none" : nextAction()) + ")";
    }

    private void requireAction(Action wanted) {
        requireNotSplit();
        Action next = nextAction();
        if (next != wanted) {
            throw new IllegalStateException(role + " cannot " + wanted + " now; next action is " + next);
        }
    }

    private void requireNotSplit() {
        if (split) {
            throw new IllegalStateException("handshake was already split");
        }
    }

    private void commit(SymmetricState next) {
        ss.destroy();
        ss = next;
        messageIndex++;
    }

    /** Token {@code e}: MixHash(e.pub), plus MixKey(e.pub) in psk patterns. Returns the bytes to send. */
    private byte[] mixEphemeral(SymmetricState st, PublicKey ephemeral) {
        byte[] bytes = ephemeral.toBytes();
        st.mixHash(bytes);
        if (pattern.usesPsk()) {
            st.mixKey(bytes);
        }
        return bytes;
    }

    private void mixPsk(SymmetricState st) {
        byte[] key = psk.toBytes();
        try {
            st.mixKeyAndHash(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static void mixDh(SymmetricState st, PrivateKey priv, PublicKey pub, String token) throws HandshakeException {
        byte[] shared;
        try {
            shared = X25519.sharedSecret(priv, pub);
        } catch (InvalidKeyException ex) {
            throw new HandshakeException("Diffie-Hellman '" + token + "' produced zero: a public key has small order", ex);
        }
        try {
            st.mixKey(shared);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    private byte[] decrypt(SymmetricState st, byte[] ciphertext, String what) throws HandshakeException {
        try {
            return st.decryptAndHash(ciphertext);
        } catch (AEADBadTagException ex) {
            throw new HandshakeException("handshake message " + (messageIndex + 1) + ": " + what + " failed authentication", ex);
        }
    }

    private static int put(byte[] dst, int pos, byte[] src) {
        System.arraycopy(src, 0, dst, pos, src.length);
        return pos + src.length;
    }

    /**
     * Configuration for one side, validated once by {@link #build()} with messages naming what is wrong.
     * Required: {@link #localStatic}; for the initiator also {@link #remoteStatic}.
     */
    public static final class Builder {
        private final Pattern pattern;
        private final Role role;
        private PrivateKey localStatic;
        private PublicKey localStaticPublic;
        private PublicKey remoteStatic;
        private byte[] prologue = new byte[0];
        private PresharedKey psk;
        private Supplier<PrivateKey> ephemeralSource = X25519::generatePrivateKey;
        private Aead aead;

        private Builder(Pattern pattern, Role role) {
            this.pattern = Objects.requireNonNull(pattern, "pattern");
            this.role = Objects.requireNonNull(role, "role");
        }

        /** This side's static private key; its public key is computed once at {@link #build()}. */
        public Builder localStatic(PrivateKey key) {
            this.localStatic = Objects.requireNonNull(key, "localStatic");
            this.localStaticPublic = null;
            return this;
        }

        /** This side's static key pair, when the public key is already known (saves one scalar multiplication). */
        public Builder localStatic(PrivateKey key, PublicKey publicKey) {
            this.localStatic = Objects.requireNonNull(key, "localStatic");
            this.localStaticPublic = Objects.requireNonNull(publicKey, "localStatic public key");
            return this;
        }

        /** The responder's static public key; initiator only. */
        public Builder remoteStatic(PublicKey key) {
            this.remoteStatic = Objects.requireNonNull(key, "remoteStatic");
            return this;
        }

        /** Prologue bytes both sides must agree on (copied); empty by default. */
        public Builder prologue(byte[] bytes) {
            this.prologue = Objects.requireNonNull(bytes, "prologue").clone();
            return this;
        }

        /** The preshared key of a psk pattern; the responder may instead set it after message 1. */
        public Builder presharedKey(PresharedKey key) {
            this.psk = Objects.requireNonNull(key, "presharedKey");
            return this;
        }

        /** Where ephemeral private keys come from; {@link X25519#generatePrivateKey()} by default. Tests inject fixed keys. */
        public Builder ephemeralKeys(Supplier<PrivateKey> source) {
            this.ephemeralSource = Objects.requireNonNull(source, "ephemeralKeys");
            return this;
        }

        /** The AEAD instance to use (confined to the handshake's thread); {@link Aead#create()} by default. */
        public Builder aead(Aead aead) {
            this.aead = Objects.requireNonNull(aead, "aead");
            return this;
        }

        /** Validates the configuration and initialises the symmetric state (protocol name, prologue, {@code <- s}). */
        public NoiseHandshake build() {
            if (localStatic == null) {
                throw new IllegalStateException(pattern.protocolName() + " " + role + ": localStatic is required");
            }
            if (role == Role.INITIATOR && remoteStatic == null) {
                throw new IllegalStateException(pattern.protocolName() + " initiator: remoteStatic (the responder's"
                        + " public key) is required");
            }
            if (role == Role.RESPONDER && remoteStatic != null) {
                throw new IllegalStateException(pattern.protocolName() + " responder: remoteStatic must not be set;"
                        + " the responder learns it from message 1");
            }
            if (psk != null && !pattern.usesPsk()) {
                throw new IllegalStateException(pattern.protocolName() + " has no psk token, but a presharedKey was set");
            }
            PublicKey pub = localStaticPublic != null ? localStaticPublic : X25519.publicKey(localStatic);
            return new NoiseHandshake(this, pub, aead != null ? aead : Aead.create());
        }
    }
}
