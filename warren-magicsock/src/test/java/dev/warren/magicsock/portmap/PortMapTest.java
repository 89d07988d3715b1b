package dev.warren.magicsock.portmap;

import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NAT-PMP, PCP and UPnP IGD clients and the PortMapper against loopback fakes. */
class PortMapTest {
    private static final Duration T = Duration.ofMillis(300);

    @Test
    void natPmpMapsReportsTheExternalAddressAndDeletes() throws Exception {
        try (FakeGateway gw = new FakeGateway(true, false)) {
            NatPmpClient c = new NatPmpClient(gw.address(), T);
            assertTrue(c.probe());
            assertEquals(FakeGateway.EXTERNAL, c.externalAddress());
            Mapping m = c.map(41641, 7200);
            assertEquals(new InetSocketAddress(FakeGateway.EXTERNAL, 42641), m.external());
            assertEquals(Duration.ofSeconds(7200), m.lifetime());
            c.delete(m);
            assertTrue(gw.requests.contains(new FakeGateway.Request(0, 1, 41641, 0)), "no delete request");
        }
    }

    @Test
    void pcpAnnouncesMapsWithANonceItKeepsAndDeletes() throws Exception {
        try (FakeGateway gw = new FakeGateway(false, true)) {
            PcpClient c = new PcpClient(gw.address(), T);
            assertTrue(c.probe());
            Mapping m = c.map(41641, 7200);
            assertEquals(new InetSocketAddress(FakeGateway.EXTERNAL, 42641), m.external());
            Mapping again = c.map(41641, 7200);
            assertEquals(m.external(), again.external());
            c.delete(m);
            assertTrue(gw.requests.contains(new FakeGateway.Request(2, 1, 41641, 0)), "no delete request");
        }
    }

    @Test
    void silentOrAbsentGatewaysProbeFalseAndMapFailsNamingTheGateway() throws Exception {
        try (FakeGateway gw = new FakeGateway(false, false); DatagramSocket nothing = new DatagramSocket()) {
            assertFalse(new NatPmpClient(gw.address(), T).probe());
            assertFalse(new PcpClient(gw.address(), T).probe());
            IOException e = assertThrows(IOException.class, () -> new NatPmpClient(gw.address(), T).map(1, 10));
            assertTrue(e.getMessage().contains(gw.address().toString()), e.getMessage());
            InetSocketAddress dead = new InetSocketAddress("127.0.0.1", nothing.getLocalPort());
            assertFalse(new UpnpClient(dead, null, T).probe());
        }
    }

    @Test
    void upnpDiscoversTheIgdAndMapsOverSoap() throws Exception {
        try (FakeIgd igd = new FakeIgd()) {
            UpnpClient c = new UpnpClient(igd.ssdpAddress(), InetAddress.ofLiteral("127.0.0.1"), Duration.ofSeconds(2));
            assertTrue(c.probe());
            assertEquals(InetAddress.ofLiteral("198.51.100.77"), c.externalAddress());
            Mapping m = c.map(41641, 3600);
            assertEquals(new InetSocketAddress("198.51.100.77", 41641), m.external());
            String add = igd.bodies.stream().filter(b -> b.contains("AddPortMapping")).findFirst().orElseThrow();
            assertTrue(add.contains("<NewInternalPort>41641</NewInternalPort>") && add.contains("<NewProtocol>UDP")
                    && add.contains("<NewInternalClient>127.0.0.1</NewInternalClient>")
                    && add.contains("<NewLeaseDuration>3600</NewLeaseDuration>"), add);
            assertTrue(igd.actions.contains("\"urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\""));
            c.delete(m);
            assertTrue(igd.actions.stream().anyMatch(a -> a.contains("#DeletePortMapping")));
            igd.failAdd = true;
            IOException e = assertThrows(IOException.class, () -> c.map(41641, 3600));
            assertTrue(e.getMessage().contains("718") && e.getMessage().contains("ConflictInMappingEntry"),
                    e.getMessage());
        }
    }

    @Test
    void upnpIgnoresAnswersFromOtherThanTheGateway() throws Exception {
        try (FakeIgd igd = new FakeIgd()) {
            assertFalse(new UpnpClient(igd.ssdpAddress(), InetAddress.ofLiteral("192.0.2.1"), T).probe());
        }
    }

    @Test
    void portMapperFallsBackToTheProtocolThatWorksRenewsAtHalfLifeAndDeletesOnClose() throws Exception {
        FakeClock clock = new FakeClock();
        ManualScheduler sched = new ManualScheduler(clock);
        try (FakeGateway pmpOnly = new FakeGateway(true, false)) {
            PortMapper pm = new PortMapper(List.of(new PcpClient(pmpOnly.address(), T),
                    new NatPmpClient(pmpOnly.address(), T)), clock, sched);
            Protocols p = pm.probe();
            assertTrue(p.pmp());
            assertFalse(p.pcp());
            List<InetSocketAddress> seen = new CopyOnWriteArrayList<>();
            pm.start(41641, seen::add);
            assertEquals(List.of(new InetSocketAddress(FakeGateway.EXTERNAL, 42641)), seen);
            assertEquals("nat-pmp", pm.current().protocol());
            long maps = pmpOnly.count(0, 1);
            sched.advance(Duration.ofSeconds(3599));
            Thread.sleep(100);
            assertEquals(maps, pmpOnly.count(0, 1), "renewed before half-life");
            sched.advance(Duration.ofSeconds(2));
            long end = System.nanoTime() + 3_000_000_000L;
            while (pmpOnly.count(0, 1) == maps && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertTrue(pmpOnly.count(0, 1) > maps, "no renewal at half-life");
            pm.close();
            assertTrue(pmpOnly.requests.contains(new FakeGateway.Request(0, 1, 41641, 0)), "mapping not deleted");
            assertNull(pm.current());
        }
    }
}
