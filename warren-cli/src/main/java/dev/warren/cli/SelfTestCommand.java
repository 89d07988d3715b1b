package dev.warren.cli;

import dev.warren.crypto.X25519;
import dev.warren.net.tun.LinuxTun;
import dev.warren.net.udp.Binds;
import dev.warren.wire.datapath.Bind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.time.ExecutorScheduler;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code warren selftest}: two WireGuard engines in this process, connected by an in-memory network, complete a
 * handshake and exchange packets both ways. Needs no privileges; checks the JDK's crypto and the engine on this
 * machine, and is the training run for the launcher's start-up cache.
 */
@Command(name = "selftest", description = "Run two WireGuard engines in memory and check they talk (no root needed).")
final class SelfTestCommand implements Callable<Integer> {
    @Option(names = "--packets", defaultValue = "2000", description = "Packets to send each way (default ${DEFAULT-VALUE}).")
    int packets;

    @Option(names = "--udp", description = "Carry the engines' traffic over real UDP sockets on the loopback interface "
            + "(Linux batched sockets) instead of in memory.")
    boolean udp;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        ChannelNetwork net = new ChannelNetwork();
        ChannelTun tunA = new ChannelTun("selftest-a");
        ChannelTun tunB = new ChannelTun("selftest-b");
        Bind bindA = udp ? Binds.create() : net.bind(IpAddresses.parse("192.0.2.1"));
        Bind bindB = udp ? Binds.create() : net.bind(IpAddresses.parse("192.0.2.2"));
        byte[] underA = IpAddresses.parse(udp ? "127.0.0.1" : "192.0.2.1");
        byte[] underB = IpAddresses.parse(udp ? "127.0.0.1" : "192.0.2.2");
        if (udp) {
            // also initialise the TUN layer's classes (no device is created), so a start-up cache trained on this
            // run covers them
            Class.forName(LinuxTun.class.getName(), true, SelfTestCommand.class.getClassLoader());
        }
        PrivateKey ka = X25519.generatePrivateKey();
        PrivateKey kb = X25519.generatePrivateKey();
        byte[] ipA = IpAddresses.parse("10.0.0.1");
        byte[] ipB = IpAddresses.parse("10.0.0.2");
        try (ExecutorScheduler sched = new ExecutorScheduler("selftest-timers");
             Device a = Device.start(tunA, bindA, Device.Options.defaults(sched, "selftest-a"));
             Device b = Device.start(tunB, bindB, Device.Options.defaults(sched, "selftest-b"))) {
            a.apply(config(ka, X25519.publicKey(kb), null, 0, "10.0.0.2/32"));
            b.apply(config(kb, X25519.publicKey(ka), null, 0, "10.0.0.1/32"));
            a.apply(config(null, X25519.publicKey(kb), Endpoint.of(underB, b.listenPort()), null, "10.0.0.2/32"));
            b.apply(config(null, X25519.publicKey(ka), Endpoint.of(underA, a.listenPort()), null, "10.0.0.1/32"));
            byte[] first = Packets.udp4(ipA, ipB, 1, 2, "hello".getBytes());
            tunA.inject(first);
            byte[] got = tunB.take(Duration.ofSeconds(20));
            if (!Arrays.equals(first, got)) {
                System.err.println("selftest FAILED: no handshake within 20 s; drops " + a.drops().snapshot()
                        + " / " + b.drops().snapshot());
                return 1;
            }
            long handshake = System.nanoTime() - t0;
            for (int i = 0; i < packets; i++) {
                tunA.inject(Packets.udp4(ipA, ipB, 1, 2, new byte[1000]));
                tunB.inject(Packets.udp4(ipB, ipA, 2, 1, new byte[1000]));
            }
            for (int i = 0; i < packets; i++) {
                if (tunB.take(Duration.ofSeconds(20)) == null || tunA.take(Duration.ofSeconds(20)) == null) {
                    System.err.println("selftest FAILED: packet " + i + " lost; drops " + a.drops().snapshot()
                            + " / " + b.drops().snapshot());
                    return 1;
                }
            }
            System.out.printf("selftest ok: handshake and first packet in %d ms, %d packets each way in %d ms%n",
                    handshake / 1_000_000, packets, (System.nanoTime() - t0 - handshake) / 1_000_000);
            return 0;
        }
    }

    private static SetRequest config(PrivateKey key, dev.warren.wire.key.PublicKey peer, Endpoint ep, Integer port, String allowed) {
        return new SetRequest(key, port, null, false, List.of(new PeerChange(peer, false, false, PresharedKey.NONE, ep,
                null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }
}
