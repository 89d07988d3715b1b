package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.crypto.NoiseHandshake.Pattern;
import dev.warren.crypto.NoiseHandshake.Role;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Arbitrary bytes into everything that parses or authenticates network input. The only outcomes allowed
 * are the documented ones: {@code -1}/{@code null} from {@link Aead#open} and {@link XAead#open}, and
 * {@link HandshakeException} from {@link NoiseHandshake#readMessage}; any other exception fails the test.
 *
 * <p>Under plain {@code mvn test} Jazzer runs each target on its seed inputs (regression mode; seeds live
 * in {@code src/test/resources/dev/warren/crypto/CryptoFuzzTestInputs/}). To fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl warren-crypto test -Dtest='CryptoFuzzTest#noiseReadMessage'}.
 */
class CryptoFuzzTest {
    private static final List<String> PROVIDERS = Providers.available();
    private static final byte[] PROLOGUE = NoiseHandshake.WIREGUARD_PROLOGUE.getBytes(StandardCharsets.US_ASCII);
    /** Fixed keys so that seeds (a genuine initiation among them) stay valid across runs. */
    static final PrivateKey INITIATOR_STATIC = PrivateKey.of(filled(0x01));
    static final PrivateKey RESPONDER_STATIC = PrivateKey.of(filled(0x02));
    static final PrivateKey INITIATOR_EPHEMERAL = PrivateKey.of(filled(0x03));
    static final PrivateKey RESPONDER_EPHEMERAL = PrivateKey.of(filled(0x04));
    static final byte[] TIMESTAMP = WireGuardHandshakeTest.tai64n(1_700_000_000L, 0);

    @FuzzTest(maxDuration = "60s")
    void aeadOpen(FuzzedDataProvider data) {
        Aead aead = Aead.create(data.pickValue(PROVIDERS));
        byte[] key = Arrays.copyOf(data.consumeBytes(32), 32);
        long counter = data.consumeLong();
        byte[] ad = data.consumeBoolean() ? null : data.consumeBytes(data.consumeInt(0, 64));
        boolean direct = data.consumeBoolean();
        int headroom = data.consumeInt(0, 32);
        byte[] ciphertext = data.consumeRemainingAsBytes();

        byte[] plain = aead.open(key, counter, ciphertext, ad);
        if (plain != null) {
            assertArrayEquals(ciphertext, aead.seal(key, counter, plain, ad));
        }
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(headroom + ciphertext.length) : ByteBuffer.allocate(headroom + ciphertext.length);
        buf.position(headroom).put(ciphertext).flip().position(headroom);
        int n = aead.open(AeadKey.of(key), counter, buf, buf.duplicate(), ad);
        assertEquals(plain == null ? -1 : plain.length, n);
    }

    @FuzzTest(maxDuration = "60s")
    void xaeadOpen(FuzzedDataProvider data) {
        Aead aead = Aead.create(data.pickValue(PROVIDERS));
        byte[] key = Arrays.copyOf(data.consumeBytes(32), 32);
        byte[] nonce = Arrays.copyOf(data.consumeBytes(24), 24);
        byte[] ad = data.consumeBytes(data.consumeInt(0, 32));
        byte[] ciphertext = data.consumeRemainingAsBytes();
        byte[] plain = XAead.open(aead, key, nonce, ciphertext, ad);
        if (plain != null) {
            assertArrayEquals(ciphertext, XAead.seal(aead, key, nonce, plain, ad));
        }
    }

    @FuzzTest(maxDuration = "60s")
    void noiseReadMessage(byte[] message) throws HandshakeException {
        // As a WireGuard responder: arbitrary bytes as message 1.
        NoiseHandshake responder = responder();
        try {
            byte[] payload = responder.readMessage(message);
            assertTrue(responder.remoteStatic().isPresent());
            responder.setPresharedKey(PresharedKey.NONE);
            byte[] reply = responder.writeMessage(new byte[0]);
            assertEquals(NoiseHandshake.messageLength(Pattern.IKPSK2, 1, 0), reply.length);
            assertTrue(payload.length == message.length - NoiseHandshake.messageLength(Pattern.IKPSK2, 0, 0));
        } catch (HandshakeException expected) {
            assertEquals(NoiseHandshake.Action.READ_MESSAGE, responder.nextAction());
        }
        // As a WireGuard initiator that has sent message 1: arbitrary bytes as message 2.
        NoiseHandshake initiator = initiator();
        initiator.writeMessage(TIMESTAMP);
        try {
            initiator.readMessage(message);
            assertTrue(initiator.isComplete());
        } catch (HandshakeException expected) {
            assertEquals(NoiseHandshake.Action.READ_MESSAGE, initiator.nextAction());
        }
    }

    /** The committed seeds are a genuine initiation and response for the fixed keys, so the success path is covered. */
    @Test
    void seedsAreGenuineMessages() throws Exception {
        byte[] initiation = seed("initiation");
        byte[] response = seed("response");
        NoiseHandshake i = initiator();
        assertArrayEquals(initiation, i.writeMessage(TIMESTAMP));
        NoiseHandshake r = responder();
        assertArrayEquals(TIMESTAMP, r.readMessage(initiation));
        assertEquals(X25519.publicKey(INITIATOR_STATIC), r.remoteStatic().orElseThrow());
        r.setPresharedKey(PresharedKey.NONE);
        assertArrayEquals(response, r.writeMessage(new byte[0]));
        i.readMessage(response);
        assertArrayEquals(i.split().sendKey(), r.split().receiveKey());
    }

    private static byte[] seed(String name) throws IOException {
        try (InputStream in = CryptoFuzzTest.class.getResourceAsStream("CryptoFuzzTestInputs/noiseReadMessage/" + name)) {
            return in.readAllBytes();
        }
    }

    static NoiseHandshake initiator() {
        return NoiseHandshake.builder(Pattern.IKPSK2, Role.INITIATOR)
                .localStatic(INITIATOR_STATIC)
                .remoteStatic(X25519.publicKey(RESPONDER_STATIC))
                .prologue(PROLOGUE)
                .presharedKey(PresharedKey.NONE)
                .ephemeralKeys(() -> INITIATOR_EPHEMERAL)
                .build();
    }

    static NoiseHandshake responder() {
        return NoiseHandshake.builder(Pattern.IKPSK2, Role.RESPONDER)
                .localStatic(RESPONDER_STATIC)
                .prologue(PROLOGUE)
                .ephemeralKeys(() -> RESPONDER_EPHEMERAL)
                .build();
    }

    private static byte[] filled(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }
}
