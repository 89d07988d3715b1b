package dev.warren.magicsock.disco;

import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.disco.DiscoMessage;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DiscoBoxTest {
    private final DiscoBox a = DiscoBox.generate();
    private final DiscoBox b = DiscoBox.generate();

    DiscoBoxTest() {
        a.register(b.publicKey());
        b.register(a.publicKey());
    }

    @Test
    void sealedPingOpensAtThePeerWithSenderAndContent() {
        byte[] txid = new byte[12];
        txid[3] = 7;
        byte[] node = new byte[32];
        node[0] = 9;
        byte[] frame = a.seal(b.publicKey(), new DiscoMessage.Ping(txid, node));
        DiscoBox.Opened o = b.open(frame, 0, frame.length);
        assertNotNull(o);
        assertEquals(a.publicKey(), o.sender());
        DiscoMessage.Ping p = assertInstanceOf(DiscoMessage.Ping.class, o.message());
        assertArrayEquals(txid, p.txid());
        assertArrayEquals(node, p.senderNodeKey());
    }

    @Test
    void callMeMaybeRoundTripsInsideALargerBuffer() {
        List<InetSocketAddress> eps = List.of(new InetSocketAddress("192.0.2.1", 41641),
                new InetSocketAddress("2001:db8::1", 7));
        byte[] frame = a.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(eps));
        byte[] padded = new byte[frame.length + 10];
        System.arraycopy(frame, 0, padded, 5, frame.length);
        DiscoBox.Opened o = b.open(padded, 5, frame.length);
        assertEquals(eps, assertInstanceOf(DiscoMessage.CallMeMaybe.class, o.message()).endpoints());
    }

    @Test
    void refusesFramesForOtherKeysUnregisteredSendersTamperingAndOurOwnKey() {
        DiscoBox c = DiscoBox.generate();
        c.register(a.publicKey());
        a.register(c.publicKey());
        byte[] toC = a.seal(c.publicKey(), new DiscoMessage.Pong(new byte[12], new InetSocketAddress("192.0.2.9", 1)));
        assertNull(b.open(toC, 0, toC.length), "a box sealed to C opened at B");
        DiscoBox stranger = DiscoBox.generate();
        stranger.register(b.publicKey());
        byte[] fromStranger = stranger.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(List.of()));
        assertNull(b.open(fromStranger, 0, fromStranger.length), "an unregistered sender was accepted");
        byte[] ok = a.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(List.of()));
        for (int i = DiscoFrame.OFFSET_NONCE; i < ok.length; i++) {
            byte[] t = ok.clone();
            t[i] ^= 1;
            assertNull(b.open(t, 0, t.length), "tampered byte " + i + " accepted");
        }
        b.register(b.publicKey());
        byte[] self = b.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(List.of()));
        assertNull(b.open(self, 0, self.length), "our own frame accepted");
    }

    @Test
    void retainDropsPeersNoLongerListed() {
        byte[] frame = a.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(List.of()));
        b.retain(List.of());
        assertNull(b.open(frame, 0, frame.length));
        assertThrows(IllegalStateException.class, () -> b.seal(a.publicKey(), new DiscoMessage.CallMeMaybe(List.of())));
    }

    @Property(tries = 300)
    void garbageNeverOpensAndNeverThrows(@ForAll byte[] junk) {
        assertNull(b.open(junk, 0, junk.length));
        byte[] withMagic = new byte[Math.max(junk.length, 70)];
        System.arraycopy(DiscoFrame.magic(), 0, withMagic, 0, 6);
        System.arraycopy(junk, 0, withMagic, 6, Math.min(junk.length, withMagic.length - 6));
        assertNull(b.open(withMagic, 0, withMagic.length));
        System.arraycopy(a.publicKey().publicKey().toBytes(), 0, withMagic, 6, 32);
        assertNull(b.open(withMagic, 0, withMagic.length));
    }
}
