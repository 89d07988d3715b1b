package dev.warren.wireguard;

import dev.warren.crypto.Blake2s;
import dev.warren.crypto.X25519;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.wireguard.WgMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A device under load (paper §5.4.7): a flood of initiations with valid mac1 from a stranger fills its handshake
 * queue, after which it answers handshake messages that lack a valid mac2 with a cookie reply instead of doing
 * Diffie-Hellman work; a peer that takes the cookie and retries with mac2 completes the handshake and carries
 * data; and messages with a valid mac2 are still rate-limited per source. Fake time stands still, so the device
 * stays under load for the whole test.
 */
class UnderLoadTest {
    private static final int FLOOD = 2000;

    @Test
    void aHandshakeWithoutMac2GetsACookieAndTheRetryWithItSucceeds() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript();
             RawSocket flooder = new RawSocket(t.net, IpAddresses.parse("203.0.113.5"), 6000)) {
            byte[] mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, X25519.publicKey(t.deviceKey).toBytes());
            Random r = new Random(7);
            for (int i = 0; i < FLOOD; i++) {
                byte[] m = new byte[WgMessage.Initiation.SIZE];
                r.nextBytes(m);
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(0, WgMessage.TYPE_INITIATION);
                Blake2s.mac(mac1Key, m, 0, WgMessage.Initiation.OFFSET_MAC1, m, WgMessage.Initiation.OFFSET_MAC1);
                flooder.send(m, t.deviceEndpoint());
            }
            Drops drops = t.device.drops();
            DevicePair.await("every flood message is accounted for", () -> drops.get(Drops.Reason.COOKIE_SENT)
                    + drops.get(Drops.Reason.HANDSHAKE_REJECTED) + drops.get(Drops.Reason.HANDSHAKE_QUEUE_FULL) == FLOOD);
            assertTrue(drops.get(Drops.Reason.COOKIE_SENT) > 0, "the flood put the device under load: " + drops.snapshot());
            assertTrue(t.device.control.isUnderLoad());

            long cookies = drops.get(Drops.Reason.COOKIE_SENT);
            t.send(t.script.initiation());
            byte[] reply = t.socket.receive(DeviceVsScript.WAIT);
            assertNotNull(reply);
            assertEquals("cookie reply", t.describe(reply), "no Diffie-Hellman work for a message without mac2");
            assertEquals(cookies + 1, drops.get(Drops.Reason.COOKIE_SENT));
            assertTrue(t.script.consumeCookieReply(reply), "the cookie reply decrypts for the initiator");

            byte[] retry = t.script.initiation();
            assertTrue(!java.util.Arrays.equals(new byte[16], java.util.Arrays.copyOfRange(retry,
                    WgMessage.Initiation.OFFSET_MAC2, WgMessage.Initiation.SIZE)), "the retry carries mac2");
            t.send(retry);
            byte[] response = t.socket.receive(DeviceVsScript.WAIT);
            assertNotNull(response);
            assertEquals("response", t.describe(response), "with a valid mac2 the device does the handshake");
            assertTrue(t.script.consumeResponse(response));
            byte[] in = t.inbound();
            t.send(t.script.seal(in));
            assertArrayEquals(in, t.tun.take(DeviceVsScript.WAIT), "and the session carries data");

            for (int i = 0; i < 10; i++) {
                t.send(t.script.initiation());
            }
            DevicePair.await("a burst with valid mac2 is rate-limited per source",
                    () -> drops.get(Drops.Reason.RATE_LIMITED) > 0);
        }
    }
}
