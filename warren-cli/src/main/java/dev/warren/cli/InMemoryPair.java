package dev.warren.cli;

import dev.warren.crypto.X25519;
import dev.warren.net.udp.Binds;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.time.ExecutorScheduler;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiException;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Two WireGuard engines in this process, A (10.0.0.1) and B (10.0.0.2), on in-memory TUN devices and either an
 * in-memory network or real UDP sockets on loopback. Used by {@code warren selftest} and to warm up the JIT.
 */
final class InMemoryPair implements AutoCloseable {
    private static final byte[] IP_A = IpAddresses.parse("10.0.0.1");
    private static final byte[] IP_B = IpAddresses.parse("10.0.0.2");

    private final ExecutorScheduler scheduler;
    private final ChannelTun tunA = new ChannelTun("pair-a");
    private final ChannelTun tunB = new ChannelTun("pair-b");
    final Device a;
    final Device b;

    InMemoryPair(String name, boolean udp) throws IOException, UapiException {
        scheduler = new ExecutorScheduler(name + "-timers");
        ChannelNetwork net = new ChannelNetwork();
        Bind bindA = udp ? Binds.create() : net.bind(IpAddresses.parse("192.0.2.1"));
        Bind bindB = udp ? Binds.create() : net.bind(IpAddresses.parse("192.0.2.2"));
        byte[] underA = IpAddresses.parse(udp ? "127.0.0.1" : "192.0.2.1");
        byte[] underB = IpAddresses.parse(udp ? "127.0.0.1" : "192.0.2.2");
        a = Device.start(tunA, bindA, Device.Options.defaults(scheduler, name + "-a"));
        b = Device.start(tunB, bindB, Device.Options.defaults(scheduler, name + "-b"));
        PrivateKey ka = X25519.generatePrivateKey();
        PrivateKey kb = X25519.generatePrivateKey();
        a.apply(config(ka, X25519.publicKey(kb), null, 0, "10.0.0.2/32"));
        b.apply(config(kb, X25519.publicKey(ka), null, 0, "10.0.0.1/32"));
        a.apply(config(null, X25519.publicKey(kb), Endpoint.of(underB, b.listenPort()), null, "10.0.0.2/32"));
        b.apply(config(null, X25519.publicKey(ka), Endpoint.of(underA, a.listenPort()), null, "10.0.0.1/32"));
    }

    private static SetRequest config(PrivateKey key, PublicKey peer, Endpoint ep, Integer port, String allowed) {
        return new SetRequest(key, port, null, false, List.of(new PeerChange(peer, false, false, PresharedKey.NONE,
                ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }

    /** Sends one packet A→B (starting the handshake) and waits for it; false on timeout. */
    boolean handshake(Duration timeout) throws InterruptedException {
        byte[] first = Packets.udp4(IP_A, IP_B, 1, 2, "hello".getBytes());
        tunA.inject(first);
        return Arrays.equals(first, tunB.take(timeout));
    }

    /** Sends {@code packets} of {@code size} bytes each way; returns the index of the first lost one, or -1. */
    int exchange(int packets, int size, Duration timeout) throws InterruptedException {
        byte[] ab = Packets.udp4(IP_A, IP_B, 1, 2, new byte[size]);
        byte[] ba = Packets.udp4(IP_B, IP_A, 2, 1, new byte[size]);
        for (int i = 0; i < packets; i++) {
            tunA.inject(ab);
            tunB.inject(ba);
        }
        for (int i = 0; i < packets; i++) {
            if (tunB.take(timeout) == null || tunA.take(timeout) == null) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        a.close();
        b.close();
        scheduler.close();
    }
}
