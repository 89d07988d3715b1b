package dev.warren.magicsock.disco;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.crypto.Box;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.PrivateKey;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Fuzzes {@link DiscoBox#open}, the path every disco datagram and relay packet takes. Oracles: arbitrary bytes never
 * open (nobody can forge a box) and never throw; a correctly sealed box of arbitrary plaintext opens exactly when
 * {@link DiscoMessage#decode} accepts the plaintext, to the same message, and flipping any sealed byte refuses it.
 *
 * <p>In a normal build Jazzer runs the seeds under {@code DiscoOpenFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-magicsock -Dtest=DiscoOpenFuzzTest#sealedPlaintextOpensIffItDecodes}.
 */
class DiscoOpenFuzzTest {
    private static final PrivateKey A = PrivateKey.of(filled(1));
    private static final PrivateKey B = PrivateKey.of(filled(2));
    private static final DiscoBox SENDER = new DiscoBox(A);
    private static final DiscoBox RECEIVER = new DiscoBox(B);

    static {
        RECEIVER.register(SENDER.publicKey());
        SENDER.register(RECEIVER.publicKey());
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    @FuzzTest(maxDuration = "60s")
    void arbitraryBytesNeverOpen(byte[] datagram) {
        assertNull(RECEIVER.open(datagram, 0, datagram.length));
        if (datagram.length > 0) {
            assertNull(RECEIVER.open(datagram, 1, datagram.length - 1));
        }
    }

    @FuzzTest(maxDuration = "60s")
    void sealedPlaintextOpensIffItDecodes(FuzzedDataProvider data) throws InvalidKeyException {
        byte[] nonce = data.consumeBytes(24);
        if (nonce.length != 24) {
            return;
        }
        int flip = data.consumeInt();
        byte[] plain = data.consumeRemainingAsBytes();
        byte[] sealed = Box.precompute(A, RECEIVER.publicKey().publicKey()).seal(nonce, plain);
        byte[] frame = new DiscoFrame(SENDER.publicKey().publicKey().toBytes(), nonce, sealed).encode();
        DiscoMessage expected;
        try {
            expected = DiscoMessage.decode(ByteBuffer.wrap(plain));
        } catch (MalformedMessageException e) {
            expected = null;
        }
        DiscoBox.Opened o = RECEIVER.open(frame, 0, frame.length);
        if (expected == null) {
            assertNull(o);
        } else {
            assertNotNull(o);
            assertEquals(SENDER.publicKey(), o.sender());
            assertArrayEquals(expected.encode(), o.message().encode());
        }
        int at = DiscoFrame.OFFSET_SEALED + Math.floorMod(flip, sealed.length);
        frame[at] ^= 0x40;
        assertNull(RECEIVER.open(frame, 0, frame.length), "a flipped sealed byte still opened");
    }
}
