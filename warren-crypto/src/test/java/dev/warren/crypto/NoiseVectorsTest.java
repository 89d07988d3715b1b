package dev.warren.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.warren.crypto.NoiseHandshake.Pattern;
import dev.warren.crypto.NoiseHandshake.Role;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Noise_IK and Noise_IKpsk2 (25519/ChaChaPoly/BLAKE2s) against the cacophony vectors in
 * {@code vectors/noise_cacophony.json}: both handshake messages and four transport messages, byte for byte,
 * for every AEAD provider. The file's {@code handshake_hash} field is not asserted (see its {@code note}).
 */
class NoiseVectorsTest {
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> vectors() {
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(VectorFile.resource("noise_cacophony.json"));
        return (List<Map<String, Object>>) root.get("vectors");
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Map<String, Object> v : vectors()) {
            for (String provider : Providers.available()) {
                out.add(Arguments.of(v.get("protocol_name"), provider));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void vector(String protocolName, String provider) throws Exception {
        Map<String, Object> v = vectors().stream().filter(x -> protocolName.equals(x.get("protocol_name"))).findFirst().orElseThrow();
        Pattern pattern = switch (protocolName) {
            case "Noise_IK_25519_ChaChaPoly_BLAKE2s" -> Pattern.IK;
            case "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s" -> Pattern.IKPSK2;
            default -> throw new IllegalArgumentException(protocolName);
        };
        assertEquals(protocolName, pattern.protocolName());

        NoiseHandshake.Builder ib = NoiseHandshake.builder(pattern, Role.INITIATOR)
                .localStatic(PrivateKey.of(hex(v, "init_static")))
                .remoteStatic(PublicKey.of(hex(v, "init_remote_static")))
                .prologue(hex(v, "init_prologue"))
                .ephemeralKeys(once(hex(v, "init_ephemeral")))
                .aead(Aead.create(provider));
        if (pattern.usesPsk()) {
            ib.presharedKey(PresharedKey.of(VectorFile.hex((String) ((List<Object>) v.get("init_psks")).get(0))));
        }
        NoiseHandshake initiator = ib.build();
        NoiseHandshake responder = NoiseHandshake.builder(pattern, Role.RESPONDER)
                .localStatic(PrivateKey.of(hex(v, "resp_static")))
                .prologue(hex(v, "resp_prologue"))
                .ephemeralKeys(once(hex(v, "resp_ephemeral")))
                .aead(Aead.create(provider))
                .build();

        List<Map<String, Object>> messages = (List<Map<String, Object>>) v.get("messages");
        byte[] p0 = VectorFile.hex((String) messages.get(0).get("payload"));
        byte[] m0 = initiator.writeMessage(p0);
        assertEquals(messages.get(0).get("ciphertext"), VectorFile.hex(m0), "message 1");
        assertArrayEquals(p0, responder.readMessage(m0));
        assertEquals(X25519.publicKey(PrivateKey.of(hex(v, "init_static"))), responder.remoteStatic().orElseThrow());
        if (pattern.usesPsk()) {
            // The responder learns who is calling from message 1, then sets that peer's psk.
            responder.setPresharedKey(PresharedKey.of(VectorFile.hex((String) ((List<Object>) v.get("resp_psks")).get(0))));
        }

        byte[] p1 = VectorFile.hex((String) messages.get(1).get("payload"));
        byte[] m1 = responder.writeMessage(p1);
        assertEquals(messages.get(1).get("ciphertext"), VectorFile.hex(m1), "message 2");
        assertArrayEquals(p1, initiator.readMessage(m1));
        assertTrue(initiator.isComplete() && responder.isComplete());
        assertArrayEquals(initiator.handshakeHash(), responder.handshakeHash());

        TransportKeys ik = initiator.split();
        TransportKeys rk = responder.split();
        assertArrayEquals(ik.sendKey(), rk.receiveKey());
        assertArrayEquals(ik.receiveKey(), rk.sendKey());
        Aead aead = Aead.create(provider);
        long initiatorNonce = 0;
        long responderNonce = 0;
        for (int i = 2; i < messages.size(); i++) {
            byte[] payload = VectorFile.hex((String) messages.get(i).get("payload"));
            boolean fromInitiator = i % 2 == 0;
            byte[] sealed = fromInitiator
                    ? aead.seal(ik.sendKey(), initiatorNonce++, payload, null)
                    : aead.seal(rk.sendKey(), responderNonce++, payload, null);
            assertEquals(messages.get(i).get("ciphertext"), VectorFile.hex(sealed), "transport message " + (i + 1));
            byte[] opened = fromInitiator
                    ? aead.open(rk.receiveKey(), initiatorNonce - 1, sealed, null)
                    : aead.open(ik.receiveKey(), responderNonce - 1, sealed, null);
            assertArrayEquals(payload, opened);
        }
    }

    private static byte[] hex(Map<String, Object> v, String field) {
        return VectorFile.hex((String) v.get(field));
    }

    /** An ephemeral source that yields the vector's key once and fails if asked again. */
    static Supplier<PrivateKey> once(byte[] key) {
        boolean[] used = {false};
        return () -> {
            if (used[0]) {
                throw new IllegalStateException("ephemeral key requested twice");
            }
            used[0] = true;
            return PrivateKey.of(key);
        };
    }
}
