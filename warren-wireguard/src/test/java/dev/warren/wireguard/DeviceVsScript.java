package dev.warren.wireguard;

import dev.warren.crypto.X25519;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.wireguard.WgMessage;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@link Device} (tunnel 10.0.0.1) whose only peer is a {@link ScriptedPeer} (tunnel 10.0.0.9) that the
 * test drives one message at a time through a {@link RawSocket}, on fake time. The test sees every datagram the
 * device emits and decides what the other side sends and when, so timer behaviour can be checked to the
 * nanosecond of fake time. Timer expiries run on the device's control loop; {@link #advance} steps fake time
 * and waits for the loop after each step, so an action happens at (not after) its due time.
 */
final class DeviceVsScript implements AutoCloseable {
    static final byte[] DEVICE_IP = IpAddresses.parse("10.0.0.1");
    static final byte[] PEER_IP = IpAddresses.parse("10.0.0.9");
    static final Duration SHORT = Duration.ofMillis(150);
    static final Duration WAIT = Duration.ofSeconds(5);

    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final ChannelNetwork net = new ChannelNetwork();
    final ChannelTun tun = new ChannelTun("dvs");
    final ChannelBind bind = net.bind(IpAddresses.parse("192.0.2.1"));
    final PrivateKey deviceKey = X25519.generatePrivateKey();
    final PrivateKey peerKey = X25519.generatePrivateKey();
    final RawSocket socket;
    final ScriptedPeer script;
    final Device device;
    private int sequence;

    DeviceVsScript(Integer persistentKeepalive) throws Exception {
        socket = new RawSocket(net, IpAddresses.parse("192.0.2.9"), 51900);
        RandomGenerator rng = RandomGenerator.of("L64X128MixRandom");
        script = new ScriptedPeer(peerKey, X25519.publicKey(deviceKey), PresharedKey.NONE, clock, rng, rng);
        device = Device.start(tun, bind, Device.Options.defaults(scheduler, "dvs").withClock(clock).withCryptoWorkers(0));
        DevicePair.apply(device, new SetRequest(deviceKey, 51820, null, false, List.of(new PeerChange(
                X25519.publicKey(peerKey), false, false, PresharedKey.NONE, socket.local(), persistentKeepalive, false,
                List.of(IpPrefix.parse("10.0.0.9/32")), List.of()))));
    }

    DeviceVsScript() throws Exception {
        this(null);
    }

    /** The device's engine object for the scripted peer. */
    Peer peer() {
        return device.peerByKey(script.publicKey());
    }

    Endpoint deviceEndpoint() {
        return bind.local();
    }

    /** A fresh IP packet from the device's host to the scripted peer. */
    byte[] outbound() {
        return Packets.udp4(DEVICE_IP, PEER_IP, 1, 2, ("out " + sequence++).getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh IP packet from the scripted peer to the device's host. */
    byte[] inbound() {
        return Packets.udp4(PEER_IP, DEVICE_IP, 2, 1, ("in " + sequence++).getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] datagram) throws IOException {
        socket.send(datagram, deviceEndpoint());
    }

    /** Sends an authenticated datagram and waits until the device has taken it in (its receive counter moved). */
    void sendAndWait(byte[] datagram) throws Exception {
        long before = peer().rxBytes.get();
        send(datagram);
        DevicePair.await("the device received the datagram", () -> peer().rxBytes.get() != before);
        quiesce();
    }

    /** The next datagram from the device within {@code timeout}, or null. */
    byte[] next(Duration timeout) throws Exception {
        return socket.receive(timeout);
    }

    /** Asserts the device sends nothing (after its control loop has caught up). */
    void expectSilence(String why) throws Exception {
        quiesce();
        byte[] d = socket.receive(SHORT);
        assertEquals(null, d == null ? null : describe(d), why);
    }

    /** Everything the device sends within {@code timeout} of real time, after its control loop caught up. */
    List<byte[]> drain(Duration timeout) throws Exception {
        quiesce();
        List<byte[]> all = new ArrayList<>();
        for (byte[] d; (d = socket.receive(timeout)) != null; ) {
            all.add(d);
        }
        return all;
    }

    String describe(byte[] d) {
        int type = ScriptedPeer.typeOf(d);
        return switch (type) {
            case WgMessage.TYPE_INITIATION -> "initiation";
            case WgMessage.TYPE_RESPONSE -> "response";
            case WgMessage.TYPE_COOKIE_REPLY -> "cookie reply";
            case WgMessage.TYPE_TRANSPORT -> {
                byte[] plain = script.open(d);
                yield plain == null ? "transport (not for the current script session)"
                        : plain.length == 0 ? "keepalive" : "transport with " + plain.length + " bytes";
            }
            default -> "type " + type;
        };
    }

    /** The device initiates (a packet on its TUN), the script answers; returns the packet, now delivered. */
    byte[] handshakeDeviceInitiates() throws Exception {
        byte[] packet = outbound();
        tun.inject(packet);
        byte[] init = socket.receiveType(WgMessage.TYPE_INITIATION, WAIT);
        assertNotNull(init, "the device initiates");
        byte[] resp = script.respond(init);
        assertNotNull(resp, "the script accepts the device's initiation");
        send(resp);
        byte[] data = socket.receiveType(WgMessage.TYPE_TRANSPORT, WAIT);
        assertNotNull(data, "the staged packet follows the handshake");
        assertArrayEquals(packet, IcmpPackets.trim(script.open(data)));
        quiesce();
        return packet;
    }

    /** The script initiates and confirms the session with a data packet; the device ends up as responder. */
    void handshakeScriptInitiates() throws Exception {
        send(script.initiation());
        byte[] resp = socket.receiveType(WgMessage.TYPE_RESPONSE, WAIT);
        assertNotNull(resp, "the device responds");
        assertTrue(script.consumeResponse(resp));
        byte[] in = inbound();
        send(script.seal(in));
        assertArrayEquals(in, tun.take(WAIT), "the confirming data packet is delivered");
        quiesce();
    }

    /** Moves fake time forward by {@code total} in steps of {@code step}, letting the control loop act per step. */
    void advance(Duration total, Duration step) throws InterruptedException {
        long left = total.toNanos();
        while (left > 0) {
            long s = Math.min(left, step.toNanos());
            scheduler.advance(Duration.ofNanos(s));
            quiesce();
            left -= s;
        }
    }

    /** Moves fake time to {@code target} (a {@link FakeClock#nanoTime()} value) in steps. */
    void advanceTo(long target, Duration step) throws InterruptedException {
        advance(Duration.ofNanos(Math.max(0, target - clock.nanoTime())), step);
    }

    void quiesce() throws InterruptedException {
        DevicePair.barrier(device);
    }

    @Override
    public void close() {
        device.close();
        socket.close();
    }
}
