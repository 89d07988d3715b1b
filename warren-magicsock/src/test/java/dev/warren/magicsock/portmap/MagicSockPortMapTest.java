package dev.warren.magicsock.portmap;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.MagicSock;
import dev.warren.magicsock.netcheck.NetcheckReport;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelNetwork;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A magicsock with a port mapper: the mapped address becomes the first endpoint and netcheck reports NAT-PMP. */
class MagicSockPortMapTest {
    @Test
    void mappedAddressLeadsTheEndpointsAndNetcheckReportsTheProtocol() throws Exception {
        try (FakeGateway gw = new FakeGateway(true, false); InMemoryRelay hub = new InMemoryRelay();
             ExecutorScheduler sched = new ExecutorScheduler("portmap-magicsock-test")) {
            NodeKey self = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
            byte[] ip = IpAddresses.parse("10.1.1.5");
            InetAddress local = InetAddress.getByAddress(ip);
            PortMapper pm = new PortMapper(List.of(new NatPmpClient(gw.address(), Duration.ofMillis(300))),
                    Clock.system(), sched);
            MagicSock sock = new MagicSock(new MagicSock.Config(self, new ChannelNetwork().bind(ip),
                    hub.attach(self.publicKey()), Clock.system(), sched, () -> List.of(local), pm, null));
            List<List<InetSocketAddress>> reported = new CopyOnWriteArrayList<>();
            sock.onEndpointsChanged(reported::add);
            sock.bind().open(41641);
            InetSocketAddress mapped = new InetSocketAddress(FakeGateway.EXTERNAL, 42641);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sock.localEndpoints().isEmpty() || !sock.localEndpoints().getFirst().equals(mapped)) {
                assertTrue(System.nanoTime() < end, "mapped address never became an endpoint: " + sock.localEndpoints());
                Thread.sleep(5);
            }
            assertEquals(List.of(mapped, new InetSocketAddress(local, 41641)), sock.localEndpoints());
            assertEquals(sock.localEndpoints(), reported.getLast(), "listener not told");
            sock.setRelayMap(new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", null, List.of(
                    new RelayMap.RelayNode("fra1", "relay.invalid", null, null, 443, 0, true))))));
            NetcheckReport r = sock.netcheck().get(10, TimeUnit.SECONDS);
            assertTrue(r.pmp());
            assertFalse(r.pcp());
            assertFalse(r.upnp());
            assertTrue(r.toText().contains("PortMapping: NAT-PMP"), r.toText());
            sock.close();
            assertTrue(gw.requests.contains(new FakeGateway.Request(0, 1, 41641, 0)), "mapping not deleted on close");
        }
    }
}
