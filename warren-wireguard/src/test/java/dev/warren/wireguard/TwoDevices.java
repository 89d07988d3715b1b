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
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.PeerState;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiException;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Two devices, A (10.0.0.1) and B (10.0.0.2), on an in-memory network and fake time. */
final class TwoDevices implements AutoCloseable {
    static final byte[] A_IP = IpAddresses.parse("10.0.0.1");
    static final byte[] B_IP = IpAddresses.parse("10.0.0.2");

    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final ChannelNetwork net = new ChannelNetwork();
    final ChannelTun tunA = new ChannelTun("wga");
    final ChannelTun tunB = new ChannelTun("wgb");
    final ChannelBind bindA = net.bind(IpAddresses.parse("192.0.2.1"));
    final ChannelBind bindB = net.bind(IpAddresses.parse("192.0.2.2"));
    final PrivateKey keyA = X25519.generatePrivateKey();
    final PrivateKey keyB = X25519.generatePrivateKey();
    final Device a;
    final Device b;

    TwoDevices() throws Exception {
        this(PresharedKey.NONE, PresharedKey.NONE);
    }

    TwoDevices(PresharedKey pskA, PresharedKey pskB) throws Exception {
        a = Device.start(tunA, bindA, Device.Options.defaults(scheduler, "a").withClock(clock).withCryptoWorkers(1));
        b = Device.start(tunB, bindB, Device.Options.defaults(scheduler, "b").withClock(clock).withCryptoWorkers(0));
        a.apply(config(keyA, 51820, X25519.publicKey(keyB), pskA, Endpoint.of(IpAddresses.parse("192.0.2.2"), 51821), "10.0.0.2/32"));
        b.apply(config(keyB, 51821, X25519.publicKey(keyA), pskB, Endpoint.of(IpAddresses.parse("192.0.2.1"), 51820), "10.0.0.1/32"));
    }

    static SetRequest config(PrivateKey key, int port, PublicKey peer, PresharedKey psk, Endpoint ep, String allowed) {
        return new SetRequest(key, port, null, false, List.of(new PeerChange(peer, false, false, psk, ep, null,
                true, List.of(IpPrefix.parse(allowed)), List.of())));
    }

    byte[] aToB(String payload) {
        return dev.warren.testing.Packets.udp4(A_IP, B_IP, 1000, 2000, payload.getBytes());
    }

    byte[] bToA(String payload) {
        return dev.warren.testing.Packets.udp4(B_IP, A_IP, 2000, 1000, payload.getBytes());
    }

    PeerState peerOf(Device d) {
        return d.state().peers().getFirst();
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Advances fake time in steps, letting the control loops catch up between steps. */
    void advance(Duration d, Duration step) throws InterruptedException {
        for (long t = 0; t < d.toNanos(); t += step.toNanos()) {
            scheduler.advance(step);
            Thread.sleep(3);
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }

    static void applyOrFail(Device d, SetRequest r) {
        try {
            d.apply(r);
        } catch (UapiException e) {
            throw new AssertionError(e);
        }
    }
}
