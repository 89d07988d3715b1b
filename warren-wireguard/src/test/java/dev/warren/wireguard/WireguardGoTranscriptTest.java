package dev.warren.wireguard;

import dev.warren.crypto.X25519;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known-answer tests from handshakes recorded against wireguard-go ({@code vectors/wireguard_go_handshake.txt},
 * made by {@link WireguardGoRecorder}). They prove, without wireguard-go present, that Warren speaks its
 * protocol bit for bit, in both roles and at two levels:
 * <ul>
 *   <li>Noise level ({@link ScriptedPeer}): with the recorded keys, generator and clock Warren's initiation is
 *       byte-identical to the one wireguard-go accepted (mac1 included); Warren consumes wireguard-go's
 *       response, and its transport keys seal the recorded echo request and open wireguard-go's echo reply.
 *       As responder Warren consumes wireguard-go's initiation, answers with the very response wireguard-go
 *       accepted, opens wireguard-go's echo request and seals the recorded reply.
 *   <li>Device level: a whole {@link Device} given the transcript's generator and clock emits the same bytes
 *       on its UDP side and delivers the same IP packets to its TUN side.
 * </ul>
 * wireguard-go's own ephemeral keys are unknown, so its messages are checked by consuming them; each direction
 * is therefore covered once as producer (Warren's bytes equal the accepted ones) and once as consumer.
 */
class WireguardGoTranscriptTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    static List<VectorBlocks.Block> vectors() {
        return VectorBlocks.resource(WireguardGoRecorder.FILE);
    }

    @Test
    void warrenAsInitiatorMatchesWireguardGo() {
        checkWarrenInitiates(VectorBlocks.named(vectors(), "warren-initiates"));
    }

    @Test
    void warrenAsResponderMatchesWireguardGo() {
        checkGoInitiates(VectorBlocks.named(vectors(), "go-initiates"));
    }

    @Test
    void deviceAsInitiatorReproducesTheTranscript() throws Exception {
        checkDeviceInitiates(VectorBlocks.named(vectors(), "warren-initiates"));
    }

    @Test
    void deviceAsResponderReproducesTheTranscript() throws Exception {
        checkDeviceResponds(VectorBlocks.named(vectors(), "go-initiates"));
    }

    @Test
    void tamperedRecordedMessagesAreRefused() {
        VectorBlocks.Block v = VectorBlocks.named(vectors(), "warren-initiates");
        for (int offset : new int[] {WgMessage.Response.OFFSET_EPHEMERAL + 3, WgMessage.Response.OFFSET_EMPTY + 7}) {
            ScriptedPeer w = scripted(v);
            w.initiation();
            byte[] response = v.hex("response");
            response[offset] ^= 1;
            assertFalse(w.consumeResponse(response), "response with byte " + offset + " flipped");
        }
        ScriptedPeer w = scripted(v);
        w.initiation();
        assertTrue(w.consumeResponse(v.hex("response")));
        byte[] transport = v.hex("transport_in");
        transport[transport.length - 1] ^= (byte) 0x80;
        assertNull(w.open(transport), "a transport message with a flipped tag bit");

        VectorBlocks.Block g = VectorBlocks.named(vectors(), "go-initiates");
        for (int offset : new int[] {WgMessage.Initiation.OFFSET_STATIC + 1, WgMessage.Initiation.OFFSET_TIMESTAMP + 2}) {
            byte[] init = g.hex("initiation");
            init[offset] ^= 1;
            assertNull(scripted(g).respond(init), "initiation with byte " + offset + " flipped");
        }
    }

    // ---- checks shared with the lab test, which runs them on a fresh recording ------------------------------

    static void checkWarrenInitiates(VectorBlocks.Block v) {
        checkKeys(v);
        byte[] ephemeral = v.hex("warren_ephemeral_private");
        assertArrayEquals(ephemeral, X25519.generatePrivateKey(new DeterministicRandom(v.hex("ephemeral_seed"))).toBytes(),
                "the generator reproduces the recorded ephemeral key");
        ScriptedPeer w = scripted(v);
        byte[] initiation = w.initiation();
        assertArrayEquals(v.hex("initiation"), initiation, "Warren's initiation, byte for byte (mac1 included)");
        assertArrayEquals(X25519.publicKey(PrivateKey.of(ephemeral)).toBytes(),
                java.util.Arrays.copyOfRange(initiation, WgMessage.Initiation.OFFSET_EPHEMERAL,
                        WgMessage.Initiation.OFFSET_STATIC));
        assertEquals(Integer.parseUnsignedInt(v.text("warren_sender_index")),
                java.nio.ByteBuffer.wrap(initiation).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertMac1Valid(v.hex("response"), WgMessage.Response.OFFSET_MAC1, PublicKey.of(v.hex("warren_public")));
        assertTrue(w.consumeResponse(v.hex("response")), "wireguard-go's response completes the handshake");
        assertTrue(w.session().initiator);
        assertArrayEquals(v.hex("transport_out"), w.seal(v.hex("echo_request")),
                "the echo request sealed with the derived sending key, counter 0");
        byte[] plain = w.open(v.hex("transport_in"));
        assertNotNull(plain, "wireguard-go's transport message opens with the derived receiving key");
        assertEquals(0, plain.length % Protocol.PADDING_MULTIPLE, "wireguard-go pads to 16 bytes");
        assertArrayEquals(v.hex("echo_reply"), IcmpPackets.trim(plain));
        IcmpPackets.Echo request = IcmpPackets.parse(v.hex("echo_request"));
        IcmpPackets.Echo reply = IcmpPackets.parse(plain);
        assertNotNull(reply);
        assertEquals(IcmpPackets.ECHO_REPLY, reply.type());
        assertArrayEquals(request.src(), reply.dst());
        assertArrayEquals(request.dst(), reply.src());
        assertEquals(request.id(), reply.id());
        assertEquals(request.seq(), reply.seq());
        assertArrayEquals(request.payload(), reply.payload());
    }

    static void checkGoInitiates(VectorBlocks.Block v) {
        checkKeys(v);
        assertMac1Valid(v.hex("initiation"), WgMessage.Initiation.OFFSET_MAC1, PublicKey.of(v.hex("warren_public")));
        ScriptedPeer w = scripted(v);
        byte[] response = w.respond(v.hex("initiation"));
        assertNotNull(response, "Warren accepts wireguard-go's initiation");
        assertArrayEquals(v.hex("response"), response, "Warren's response, byte for byte (mac1 included)");
        assertFalse(w.session().initiator);
        byte[] plain = w.open(v.hex("transport_in"));
        assertNotNull(plain, "wireguard-go's first transport message opens with the responder's receiving key");
        assertArrayEquals(v.hex("echo_request"), IcmpPackets.trim(plain));
        IcmpPackets.Echo request = IcmpPackets.parse(plain);
        assertNotNull(request);
        assertEquals(IcmpPackets.ECHO_REQUEST, request.type());
        assertArrayEquals(WireguardGoRecorder.W2_TUNNEL, request.dst());
        assertArrayEquals(IcmpPackets.replyTo(v.hex("echo_request"), 2), v.hex("echo_reply"));
        assertArrayEquals(v.hex("transport_out"), w.seal(v.hex("echo_reply")));
    }

    static void checkDeviceInitiates(VectorBlocks.Block v) throws Exception {
        try (Lab lab = new Lab(v)) {
            lab.tun.inject(v.hex("echo_request"));
            assertArrayEquals(v.hex("initiation"), lab.go.receiveType(WgMessage.TYPE_INITIATION, WAIT),
                    "the device's initiation");
            lab.go.send(v.hex("response"), lab.bind.local());
            assertArrayEquals(v.hex("transport_out"), lab.go.receiveType(WgMessage.TYPE_TRANSPORT, WAIT),
                    "the staged echo request, sealed once the handshake completed");
            lab.go.send(v.hex("transport_in"), lab.bind.local());
            assertArrayEquals(v.hex("echo_reply"), lab.tun.take(WAIT), "wireguard-go's echo reply on the TUN");
        }
    }

    static void checkDeviceResponds(VectorBlocks.Block v) throws Exception {
        try (Lab lab = new Lab(v)) {
            lab.go.send(v.hex("initiation"), lab.bind.local());
            assertArrayEquals(v.hex("response"), lab.go.receiveType(WgMessage.TYPE_RESPONSE, WAIT),
                    "the device's response");
            lab.go.send(v.hex("transport_in"), lab.bind.local());
            assertArrayEquals(v.hex("echo_request"), lab.tun.take(WAIT), "wireguard-go's echo request on the TUN");
            lab.tun.inject(v.hex("echo_reply"));
            assertArrayEquals(v.hex("transport_out"), lab.go.receiveType(WgMessage.TYPE_TRANSPORT, WAIT),
                    "the device's echo reply");
        }
    }

    private static void checkKeys(VectorBlocks.Block v) {
        assertArrayEquals(v.hex("warren_public"), X25519.publicKey(PrivateKey.of(v.hex("warren_private"))).toBytes());
        assertArrayEquals(v.hex("go_public"), X25519.publicKey(PrivateKey.of(v.hex("go_private"))).toBytes());
    }

    private static void assertMac1Valid(byte[] msg, int offset, PublicKey receiver) {
        CookieChecker checker = new CookieChecker(new FakeClock(), new DeterministicRandom(new byte[1]));
        checker.init(receiver);
        assertTrue(checker.checkMac1(msg, offset), "wireguard-go's mac1 verifies");
        assertTrue(java.util.Arrays.equals(new byte[16], java.util.Arrays.copyOfRange(msg, offset + 16, offset + 32)),
                "no cookie, so mac2 is zero");
    }

    private static ScriptedPeer scripted(VectorBlocks.Block v) {
        TranscriptRandom rng = new TranscriptRandom(v.hex("ephemeral_seed"), v.hex("index_seed"));
        return new ScriptedPeer(PrivateKey.of(v.hex("warren_private")), PublicKey.of(v.hex("go_public")),
                PresharedKey.of(v.hex("psk")), new FakeClock(v.number("epoch_nanos")), rng, rng);
    }

    /** A device configured as the transcript's Warren side, and a raw socket at wireguard-go's address. */
    private static final class Lab implements AutoCloseable {
        final ChannelNetwork net = new ChannelNetwork();
        final ChannelTun tun = new ChannelTun("kat");
        final ChannelBind bind = net.bind(WireguardGoRecorder.US_UNDERLAY);
        final RawSocket go;
        final Device device;

        Lab(VectorBlocks.Block v) throws Exception {
            FakeClock clock = new FakeClock(v.number("epoch_nanos"));
            go = new RawSocket(net, WireguardGoRecorder.GO_UNDERLAY, WireguardGoRecorder.GO_PORT);
            device = Device.start(tun, bind, new Device.Options(clock, new ManualScheduler(clock),
                    new TranscriptRandom(v.hex("ephemeral_seed"), v.hex("index_seed")), 0, 256, "kat"));
            device.apply(new SetRequest(PrivateKey.of(v.hex("warren_private")), null, null, false, List.of(
                    new PeerChange(PublicKey.of(v.hex("go_public")), false, false, PresharedKey.of(v.hex("psk")),
                            Endpoint.of(WireguardGoRecorder.GO_UNDERLAY, WireguardGoRecorder.GO_PORT), null, false,
                            List.of(IpPrefix.parse("10.100.0.1/32")), List.of()))));
        }

        @Override
        public void close() {
            device.close();
            go.close();
        }
    }
}
