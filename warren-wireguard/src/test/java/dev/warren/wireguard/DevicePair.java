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
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Two devices A (tunnel 10.0.0.1, UDP 192.0.2.1:51820) and B (10.0.0.2, 192.0.2.2:51821) that know each other,
 * on one {@link ChannelNetwork} and one fake clock. Like {@code TwoDevices}, but with a name prefix (so a test
 * can find its own threads), a choice of crypto workers and access to the engine's peer objects.
 */
final class DevicePair implements AutoCloseable {
    static final byte[] A_IP = IpAddresses.parse("10.0.0.1");
    static final byte[] B_IP = IpAddresses.parse("10.0.0.2");
    static final Endpoint A_UDP = Endpoint.of(IpAddresses.parse("192.0.2.1"), 51820);
    static final Endpoint B_UDP = Endpoint.of(IpAddresses.parse("192.0.2.2"), 51821);

    final String name;
    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final ChannelNetwork net = new ChannelNetwork();
    final ChannelTun tunA;
    final ChannelTun tunB;
    final ChannelBind bindA = net.bind(A_UDP.address());
    final ChannelBind bindB = net.bind(B_UDP.address());
    final PrivateKey keyA = X25519.generatePrivateKey();
    final PrivateKey keyB = X25519.generatePrivateKey();
    final Device a;
    final Device b;

    DevicePair(String name, int cryptoWorkersA, int cryptoWorkersB) throws Exception {
        this.name = name;
        tunA = new ChannelTun(name + "a");
        tunB = new ChannelTun(name + "b");
        a = Device.start(tunA, bindA, Device.Options.defaults(scheduler, name + "-a").withClock(clock)
                .withCryptoWorkers(cryptoWorkersA));
        b = Device.start(tunB, bindB, Device.Options.defaults(scheduler, name + "-b").withClock(clock)
                .withCryptoWorkers(cryptoWorkersB));
        apply(a, new SetRequest(keyA, A_UDP.port(), null, false, List.of(peer(publicB(), B_UDP, "10.0.0.2/32"))));
        apply(b, new SetRequest(keyB, B_UDP.port(), null, false, List.of(peer(publicA(), A_UDP, "10.0.0.1/32"))));
    }

    static PeerChange peer(PublicKey key, Endpoint ep, String allowed) {
        return new PeerChange(key, false, false, PresharedKey.NONE, ep, null, true, List.of(IpPrefix.parse(allowed)),
                List.of());
    }

    PublicKey publicA() {
        return X25519.publicKey(keyA);
    }

    PublicKey publicB() {
        return X25519.publicKey(keyB);
    }

    /** A's engine object for peer B. */
    Peer peerOnA() {
        return a.peerByKey(publicB());
    }

    /** B's engine object for peer A. */
    Peer peerOnB() {
        return b.peerByKey(publicA());
    }

    byte[] aToB(String payload) {
        return Packets.udp4(A_IP, B_IP, 1000, 2000, payload.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bToA(String payload) {
        return Packets.udp4(B_IP, A_IP, 2000, 1000, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** The UDP payload of a packet made by {@link #aToB}/{@link #bToA}, as text. */
    static String payloadOf(byte[] packet) {
        return new String(packet, 28, packet.length - 28, StandardCharsets.UTF_8);
    }

    /** Sends A→B until it arrives, advancing fake time a second per try when it does not (retries, cookies). */
    byte[] deliverAToB(String payload, int maxFakeSeconds) throws InterruptedException {
        tunA.inject(aToB(payload));
        return awaitOn(tunB, maxFakeSeconds);
    }

    byte[] deliverBToA(String payload, int maxFakeSeconds) throws InterruptedException {
        tunB.inject(bToA(payload));
        return awaitOn(tunA, maxFakeSeconds);
    }

    private byte[] awaitOn(ChannelTun tun, int maxFakeSeconds) throws InterruptedException {
        for (int s = 0; s <= maxFakeSeconds; s++) {
            byte[] got = tun.take(Duration.ofMillis(s == 0 ? 2000 : 300));
            if (got != null) {
                return got;
            }
            scheduler.advance(Duration.ofSeconds(1));
        }
        return null;
    }

    /** Advances fake time in steps, letting the control loops catch up between steps. */
    void advance(Duration total, Duration step) throws InterruptedException {
        for (long t = 0; t < total.toNanos(); t += step.toNanos()) {
            scheduler.advance(step);
            Thread.sleep(2);
        }
    }

    /** Waits (real time, up to 10 s) until the control loops of both devices have run everything queued so far. */
    void quiesce() throws InterruptedException {
        barrier(a);
        barrier(b);
    }

    static void barrier(Device d) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        d.control.execute(done::countDown);
        if (!done.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("control loop of " + d.name() + " is stuck");
        }
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    static void apply(Device d, SetRequest r) {
        try {
            d.apply(r);
        } catch (UapiException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
