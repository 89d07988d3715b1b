package dev.warren.wireguard;

import dev.warren.crypto.Blake2s;
import dev.warren.crypto.X25519;
import dev.warren.crypto.XAead;
import dev.warren.testing.FakeClock;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.wireguard.WgMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WireGuard's MACs and cookies (paper §5.4.4, §5.4.7) between the initiator's {@link CookieGenerator} and the
 * responder's {@link CookieChecker}: mac1 is BLAKE2s-128 keyed by HASH("mac1----" || responder public key) over
 * the message before it; mac2 is zero until a cookie reply arrives, then keyed by the cookie, which is bound to
 * the sender's address and port and encrypted to the initiator under HASH("cookie--" || public key) with mac1 as
 * associated data; cookies and the responder's secret expire after 120 s. The MACs are recomputed here from the
 * definition, so these tests do not only check that the two classes agree with each other.
 */
class CookieTest {
    private final FakeClock clock = new FakeClock();
    private final PublicKey responder = X25519.publicKey(X25519.generatePrivateKey());
    private final CookieChecker checker = new CookieChecker(clock, RandomGenerator.of("L64X128MixRandom"));
    private final CookieGenerator generator = new CookieGenerator(clock, responder);
    private final byte[] source = CookieChecker.sourceBytes(IpAddresses.parse("198.51.100.7"), 4, 51820);

    CookieTest() {
        checker.init(responder);
    }

    private static byte[] initiation(int seed) {
        byte[] m = new byte[WgMessage.Initiation.SIZE];
        new java.util.Random(seed).nextBytes(m);
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(0, WgMessage.TYPE_INITIATION);
        return m;
    }

    private static final int MAC1 = WgMessage.Initiation.OFFSET_MAC1;
    private static final int MAC2 = WgMessage.Initiation.OFFSET_MAC2;

    @Test
    void mac1IsTheDefinedMacAndTheCheckerAcceptsOnlyIt() {
        byte[] m = initiation(1);
        generator.addMacs(m, MAC1);
        byte[] expected = Blake2s.mac(Blake2s.hash("mac1----".getBytes(), responder.toBytes()), Arrays.copyOf(m, MAC1));
        assertArrayEquals(expected, Arrays.copyOfRange(m, MAC1, MAC2));
        assertArrayEquals(new byte[16], Arrays.copyOfRange(m, MAC2, MAC2 + 16), "no cookie yet: mac2 is zero");
        assertTrue(checker.checkMac1(m, MAC1));
        for (int i : new int[] {0, 5, MAC1 - 1, MAC1, MAC2 - 1}) {
            byte[] bad = m.clone();
            bad[i] ^= 1;
            assertFalse(checker.checkMac1(bad, MAC1), "byte " + i + " flipped");
        }
        CookieChecker other = new CookieChecker(clock, RandomGenerator.of("L64X128MixRandom"));
        other.init(X25519.publicKey(X25519.generatePrivateKey()));
        assertFalse(other.checkMac1(m, MAC1), "mac1 is for one responder only");
        CookieChecker none = new CookieChecker(clock, RandomGenerator.of("L64X128MixRandom"));
        assertFalse(none.checkMac1(m, MAC1), "a checker without a key accepts nothing");
    }

    @Test
    void cookieRoundTripMakesMac2ValidForThatSourceOnly() {
        byte[] first = initiation(2);
        generator.addMacs(first, MAC1);
        assertFalse(checker.checkMac2(first, MAC2, source), "no mac2 before a cookie");
        WgMessage.CookieReply reply = checker.createReply(first, MAC1, 0x1234abcd, source);
        assertEquals(0x1234abcd, reply.receiver(), "the reply names the initiator's sender index");
        byte[] cookie = XAead.open(Blake2s.hash("cookie--".getBytes(), responder.toBytes()), reply.nonce(),
                reply.encryptedCookie(), Arrays.copyOfRange(first, MAC1, MAC2));
        assertNotNull(cookie, "the cookie is sealed under HASH(\"cookie--\" || key) with mac1 as associated data");
        assertEquals(16, cookie.length);

        assertTrue(generator.consumeReply(reply));
        assertFalse(generator.consumeReply(reply), "a reply is taken once");
        byte[] retry = initiation(3);
        generator.addMacs(retry, MAC1);
        assertArrayEquals(Blake2s.mac(cookie, Arrays.copyOf(retry, MAC2)), Arrays.copyOfRange(retry, MAC2, MAC2 + 16),
                "mac2 = MAC(cookie, message before mac2)");
        assertTrue(checker.checkMac2(retry, MAC2, source));
        assertFalse(checker.checkMac2(retry, MAC2, CookieChecker.sourceBytes(IpAddresses.parse("198.51.100.7"), 4, 51821)),
                "another port");
        assertFalse(checker.checkMac2(retry, MAC2, CookieChecker.sourceBytes(IpAddresses.parse("198.51.100.8"), 4, 51820)),
                "another address");
        byte[] tampered = retry.clone();
        tampered[9] ^= 1;
        assertFalse(checker.checkMac2(tampered, MAC2, source));
    }

    @Test
    void aReplyForAnotherMessageIsRefused() {
        byte[] mine = initiation(4);
        generator.addMacs(mine, MAC1);
        byte[] someoneElses = initiation(5);
        new CookieGenerator(clock, responder).addMacs(someoneElses, MAC1);
        assertFalse(generator.consumeReply(checker.createReply(someoneElses, MAC1, 1, source)),
                "the associated data (mac1) must be that of our last message");
        WgMessage.CookieReply good = checker.createReply(mine, MAC1, 1, source);
        byte[] sealed = good.encryptedCookie().clone();
        sealed[0] ^= 1;
        assertFalse(generator.consumeReply(new WgMessage.CookieReply(1, good.nonce(), sealed)));
        assertTrue(generator.consumeReply(good));
    }

    @Test
    void cookiesExpireAfterTwoMinutes() {
        byte[] m = initiation(6);
        generator.addMacs(m, MAC1);
        assertTrue(generator.consumeReply(checker.createReply(m, MAC1, 1, source)));
        clock.advance(Duration.ofSeconds(120));
        byte[] at120 = initiation(7);
        generator.addMacs(at120, MAC1);
        assertTrue(checker.checkMac2(at120, MAC2, source), "valid for 120 s");

        clock.advance(Duration.ofMillis(1));
        byte[] late = initiation(8);
        generator.addMacs(late, MAC1);
        assertArrayEquals(new byte[16], Arrays.copyOfRange(late, MAC2, MAC2 + 16), "an expired cookie is not used");
        assertFalse(checker.checkMac2(at120, MAC2, source), "and the responder's secret has moved on");

        WgMessage.CookieReply fresh = checker.createReply(late, MAC1, 1, source);
        assertTrue(generator.consumeReply(fresh), "a new secret and cookie after expiry");
        byte[] again = initiation(9);
        generator.addMacs(again, MAC1);
        assertTrue(checker.checkMac2(again, MAC2, source));
    }

    @Test
    void sourceBytesAreAddressThenLittleEndianPort() {
        assertArrayEquals(new byte[] {(byte) 198, 51, 100, 7, 0x6c, (byte) 0xca}, source, "51820 = 0xca6c, little-endian");
        byte[] v6 = IpAddresses.parse("2001:db8::1");
        byte[] s6 = CookieChecker.sourceBytes(v6, 16, 443);
        assertEquals(18, s6.length);
        assertArrayEquals(v6, Arrays.copyOf(s6, 16));
        assertEquals(443, (s6[16] & 0xff) | (s6[17] & 0xff) << 8);
    }
}
