package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.warren.crypto.NoiseHandshake.Action;
import dev.warren.crypto.NoiseHandshake.Pattern;
import dev.warren.crypto.NoiseHandshake.Role;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A WireGuard-style handshake (Noise_IKpsk2 with WireGuard's prologue, a TAI64N timestamp in message 1, an
 * empty message 2) between two {@link NoiseHandshake}s, cross-checked against a straight-line computation of
 * the whitepaper's §5.4.2–§5.4.5 formulas that uses only {@link Blake2s}, {@link Kdf}, {@link X25519} and
 * {@link Aead} — not {@link SymmetricState}.
 */
class WireGuardHandshakeTest {
    private static final byte[] PROLOGUE = NoiseHandshake.WIREGUARD_PROLOGUE.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".getBytes(StandardCharsets.US_ASCII);

    private final SplittableRandom rnd = new SplittableRandom(42);
    private final PrivateKey initiatorStatic = X25519.generatePrivateKey(rnd);
    private final PrivateKey responderStatic = X25519.generatePrivateKey(rnd);
    private final PrivateKey initiatorEphemeral = X25519.generatePrivateKey(rnd);
    private final PrivateKey responderEphemeral = X25519.generatePrivateKey(rnd);
    private final PresharedKey psk = PresharedKey.of(bytes(32));
    private final byte[] timestamp = tai64n(1_700_000_000L, 123_456_789);

    private NoiseHandshake initiator() {
        return NoiseHandshake.builder(Pattern.IKPSK2, Role.INITIATOR)
                .localStatic(initiatorStatic)
                .remoteStatic(X25519.publicKey(responderStatic))
                .prologue(PROLOGUE)
                .presharedKey(psk)
                .ephemeralKeys(() -> initiatorEphemeral)
                .build();
    }

    private NoiseHandshake responder() {
        return NoiseHandshake.builder(Pattern.IKPSK2, Role.RESPONDER)
                .localStatic(responderStatic, X25519.publicKey(responderStatic))
                .prologue(PROLOGUE)
                .ephemeralKeys(() -> responderEphemeral)
                .build();
    }

    @Test
    void bothSidesDeriveTheSameKeysAndMessageSizesMatchWireGuard() throws Exception {
        NoiseHandshake i = initiator();
        NoiseHandshake r = responder();
        assertEquals(Action.WRITE_MESSAGE, i.nextAction());
        assertEquals(Action.READ_MESSAGE, r.nextAction());

        byte[] m1 = i.writeMessage(timestamp);
        assertEquals(32 + 48 + 28, m1.length);
        assertEquals(108, NoiseHandshake.messageLength(Pattern.IKPSK2, 0, 12));
        assertArrayEquals(timestamp, r.readMessage(m1));
        assertEquals(X25519.publicKey(initiatorStatic), r.remoteStatic().orElseThrow());
        r.setPresharedKey(psk);

        byte[] m2 = r.writeMessage(new byte[0]);
        assertEquals(32 + 16, m2.length);
        assertEquals(48, NoiseHandshake.messageLength(Pattern.IKPSK2, 1, 0));
        assertArrayEquals(new byte[0], i.readMessage(m2));
        assertEquals(Action.SPLIT, i.nextAction());
        assertEquals(Action.SPLIT, r.nextAction());

        byte[] hash = i.handshakeHash();
        assertArrayEquals(hash, r.handshakeHash());
        TransportKeys ik = i.split();
        TransportKeys rk = r.split();
        assertArrayEquals(ik.sendKey(), rk.receiveKey());
        assertArrayEquals(ik.receiveKey(), rk.sendKey());
        assertArrayEquals(hash, ik.handshakeHash());
        assertTrue(!Arrays.equals(ik.sendKey(), ik.receiveKey()));

        // A full-size transport packet, sealed and opened in place in a direct buffer with a 16-byte header.
        Aead aead = Aead.create();
        AeadKey send = AeadKey.of(ik.sendKey());
        AeadKey recv = AeadKey.of(rk.receiveKey());
        byte[] inner = bytes(1420);
        ByteBuffer packet = ByteBuffer.allocateDirect(16 + 1420 + 16);
        packet.position(16).put(inner).flip().position(16);
        aead.seal(send, 0, packet, packet.duplicate().limit(packet.capacity()), null);
        ByteBuffer ct = packet.duplicate().limit(packet.capacity()).position(16);
        assertEquals(1420, aead.open(recv, 0, ct, ct.duplicate(), null));
        byte[] back = new byte[1420];
        packet.get(16, back);
        assertArrayEquals(inner, back);
    }

    @Test
    void matchesTheWhitepaperFormulas() throws Exception {
        Aead aead = Aead.create("bc"); // a different provider from the one NoiseHandshake uses by default
        PublicKey sPubI = X25519.publicKey(initiatorStatic);
        PublicKey sPubR = X25519.publicKey(responderStatic);
        PublicKey ePubI = X25519.publicKey(initiatorEphemeral);
        PublicKey ePubR = X25519.publicKey(responderEphemeral);

        // §5.4.2 initiator -> responder
        byte[] c = Blake2s.hash(CONSTRUCTION);
        byte[] h = Blake2s.hash(c, PROLOGUE);
        h = Blake2s.hash(h, sPubR.toBytes());
        c = Kdf.kdf(1, c, ePubI.toBytes())[0];
        h = Blake2s.hash(h, ePubI.toBytes());
        byte[][] ck = Kdf.kdf(2, c, X25519.sharedSecret(initiatorEphemeral, sPubR));
        c = ck[0];
        byte[] encStatic = aead.seal(ck[1], 0, sPubI.toBytes(), h);
        h = Blake2s.hash(h, encStatic);
        ck = Kdf.kdf(2, c, X25519.sharedSecret(initiatorStatic, sPubR));
        c = ck[0];
        byte[] encTimestamp = aead.seal(ck[1], 0, timestamp, h);
        h = Blake2s.hash(h, encTimestamp);
        byte[] expectedM1 = concat(ePubI.toBytes(), encStatic, encTimestamp);

        // §5.4.3 responder -> initiator
        c = Kdf.kdf(1, c, ePubR.toBytes())[0];
        h = Blake2s.hash(h, ePubR.toBytes());
        c = Kdf.kdf(1, c, X25519.sharedSecret(responderEphemeral, ePubI))[0];
        c = Kdf.kdf(1, c, X25519.sharedSecret(responderEphemeral, sPubI))[0];
        byte[][] ctk = Kdf.kdf(3, c, psk.toBytes());
        c = ctk[0];
        h = Blake2s.hash(h, ctk[1]);
        byte[] encEmpty = aead.seal(ctk[2], 0, new byte[0], h);
        h = Blake2s.hash(h, encEmpty);
        byte[] expectedM2 = concat(ePubR.toBytes(), encEmpty);

        // §5.4.5 transport keys: (T_send_i, T_recv_i) = KDF2(C, empty)
        byte[][] t = Kdf.kdf(2, c, new byte[0]);

        NoiseHandshake i = initiator();
        NoiseHandshake r = responder();
        byte[] m1 = i.writeMessage(timestamp);
        assertArrayEquals(expectedM1, m1);
        r.readMessage(m1);
        r.setPresharedKey(psk);
        byte[] m2 = r.writeMessage(new byte[0]);
        assertArrayEquals(expectedM2, m2);
        i.readMessage(m2);
        assertArrayEquals(h, i.handshakeHash());
        TransportKeys ik = i.split();
        assertArrayEquals(t[0], ik.sendKey());
        assertArrayEquals(t[1], ik.receiveKey());
    }

    @Test
    void forgedOrCorruptedMessagesLeaveTheHandshakeUsable() throws Exception {
        NoiseHandshake i = initiator();
        NoiseHandshake r = responder();
        byte[] m1 = i.writeMessage(timestamp);

        byte[] bad1 = m1.clone();
        bad1[50] ^= 1;
        assertThrows(HandshakeException.class, () -> r.readMessage(bad1));
        assertThrows(HandshakeException.class, () -> r.readMessage(Arrays.copyOf(m1, 95)));
        assertTrue(r.remoteStatic().isEmpty());
        assertEquals(Action.READ_MESSAGE, r.nextAction());
        r.readMessage(m1);
        r.setPresharedKey(psk);
        byte[] m2 = r.writeMessage(new byte[0]);

        for (int at : new int[] {0, 31, 32, 47}) {
            byte[] bad2 = m2.clone();
            bad2[at] ^= (byte) 0x80;
            assertThrows(HandshakeException.class, () -> i.readMessage(bad2), "byte " + at);
        }
        byte[] zeroEphemeral = m2.clone();
        Arrays.fill(zeroEphemeral, 0, 32, (byte) 0);
        HandshakeException e = assertThrows(HandshakeException.class, () -> i.readMessage(zeroEphemeral));
        assertTrue(e.getMessage().contains("small order"), e.getMessage());
        assertEquals(Action.READ_MESSAGE, i.nextAction());
        i.readMessage(m2);
        assertArrayEquals(i.split().sendKey(), r.split().receiveKey());
    }

    @Test
    void mismatchedSecretsFailAuthentication() throws Exception {
        // Wrong preshared key on the responder: the initiator rejects message 2.
        NoiseHandshake i = initiator();
        NoiseHandshake r = responder();
        r.readMessage(i.writeMessage(timestamp));
        r.setPresharedKey(PresharedKey.NONE);
        byte[] m2 = r.writeMessage(new byte[0]);
        assertThrows(HandshakeException.class, () -> i.readMessage(m2));

        // Wrong prologue: the responder rejects message 1.
        NoiseHandshake other = NoiseHandshake.builder(Pattern.IKPSK2, Role.RESPONDER)
                .localStatic(responderStatic).prologue("WireGuard v0".getBytes(StandardCharsets.US_ASCII)).build();
        byte[] m1 = initiator().writeMessage(timestamp);
        assertThrows(HandshakeException.class, () -> other.readMessage(m1));

        // Initiator addressed the wrong responder key.
        NoiseHandshake misaddressed = NoiseHandshake.builder(Pattern.IKPSK2, Role.INITIATOR)
                .localStatic(initiatorStatic).remoteStatic(X25519.publicKey(initiatorStatic)).prologue(PROLOGUE)
                .presharedKey(psk).build();
        byte[] wrong = misaddressed.writeMessage(timestamp);
        assertThrows(HandshakeException.class, () -> responder().readMessage(wrong));
    }

    @Test
    void stateMachineAndBuilderRefuseMisuse() throws Exception {
        NoiseHandshake i = initiator();
        NoiseHandshake r = responder();
        assertThrows(IllegalStateException.class, () -> i.readMessage(new byte[48]));
        assertThrows(IllegalStateException.class, () -> r.writeMessage(new byte[0]));
        assertThrows(IllegalStateException.class, i::split);
        r.readMessage(i.writeMessage(timestamp));
        IllegalStateException noPsk = assertThrows(IllegalStateException.class, () -> r.writeMessage(new byte[0]));
        assertTrue(noPsk.getMessage().contains("setPresharedKey"), noPsk.getMessage());
        r.setPresharedKey(psk);
        i.readMessage(r.writeMessage(new byte[0]));
        assertThrows(IllegalStateException.class, () -> r.setPresharedKey(psk));
        i.split();
        assertThrows(IllegalStateException.class, i::split);
        assertThrows(IllegalStateException.class, i::handshakeHash);

        assertThrows(IllegalStateException.class, () -> NoiseHandshake.builder(Pattern.IK, Role.INITIATOR)
                .localStatic(initiatorStatic).build());
        assertThrows(IllegalStateException.class, () -> NoiseHandshake.builder(Pattern.IK, Role.RESPONDER)
                .localStatic(responderStatic).remoteStatic(X25519.publicKey(initiatorStatic)).build());
        assertThrows(IllegalStateException.class, () -> NoiseHandshake.builder(Pattern.IK, Role.RESPONDER)
                .localStatic(responderStatic).presharedKey(psk).build());
        assertThrows(IllegalStateException.class, () -> NoiseHandshake.builder(Pattern.IKPSK2, Role.RESPONDER).build());
        NoiseHandshake ik = NoiseHandshake.builder(Pattern.IK, Role.RESPONDER).localStatic(responderStatic).build();
        assertThrows(IllegalStateException.class, () -> ik.setPresharedKey(psk));
    }

    @Test
    void plainIkHandshakeRoundTrips() throws Exception {
        NoiseHandshake i = NoiseHandshake.builder(Pattern.IK, Role.INITIATOR)
                .localStatic(initiatorStatic).remoteStatic(X25519.publicKey(responderStatic)).build();
        NoiseHandshake r = NoiseHandshake.builder(Pattern.IK, Role.RESPONDER).localStatic(responderStatic).build();
        byte[] hello = "hello control".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(hello, r.readMessage(i.writeMessage(hello)));
        byte[] reply = "netmap follows".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(reply, i.readMessage(r.writeMessage(reply)));
        assertArrayEquals(i.split().sendKey(), r.split().receiveKey());
    }

    /** TAI64N: 8-byte big-endian 2^62 + seconds, then 4-byte big-endian nanoseconds. */
    static byte[] tai64n(long seconds, int nanos) {
        return ByteBuffer.allocate(12).putLong((1L << 62) + seconds).putInt(nanos).array();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
