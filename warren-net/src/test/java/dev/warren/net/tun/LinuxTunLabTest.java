package dev.warren.net.tun;

import dev.warren.net.testing.Netns;
import dev.warren.net.testing.Wire;
import dev.warren.net.udp.LinuxUdpBind;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** LinuxTun against the real kernel, inside throw-away network namespaces. Needs root. */
@Tag("lab")
@Timeout(180)
class LinuxTunLabTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(Netns.available(), "needs root, /dev/net/tun and ip");
    }

    static LinuxTun tunIn(Netns ns, String name, boolean offloads, String v4, String v6) throws Exception {
        LinuxTun t = ns.inside(() -> LinuxTun.create(name, offloads));
        if (v4 != null) {
            ns.ip("addr", "add", v4, "dev", t.name());
        }
        if (v6 != null) {
            ns.ip("addr", "add", v6, "dev", t.name(), "nodad");
        }
        ns.ip("link", "set", t.name(), "up");
        return t;
    }

    @Test
    void offloadsAreNegotiated() throws Exception {
        try (Netns ns = Netns.create("neg")) {
            try (LinuxTun t = ns.inside(() -> LinuxTun.create("wneg%d", true))) {
                System.out.println("created " + t + " mtu " + t.mtu());
                assertTrue(t.offloads(), "TSO accepted");
                assertTrue(t.name().startsWith("wneg"));
                assertEquals(1500, t.mtu());
            }
            try (LinuxTun t = ns.inside(() -> LinuxTun.create("wplain", false))) {
                assertEquals("wplain", t.name());
                assertTrue(!t.offloads());
            }
        }
    }

    @Test
    void mtuFollowsIpLinkSetMtu() throws Exception {
        try (Netns ns = Netns.create("mtu"); LinuxTun t = tunIn(ns, "wmtu0", true, null, null)) {
            assertEquals(1500, t.mtu());
            ns.ip("link", "set", t.name(), "mtu", "1280");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (t.mtu() != 1280 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1280, t.mtu());
            ns.ip("link", "set", t.name(), "mtu", "9000");
            Thread.sleep(1100);
            assertEquals(9000, t.mtu());
        }
    }

    @ParameterizedTest(name = "offloads={0}")
    @ValueSource(booleans = {true, false})
    void closeEndsABlockedRead(boolean offloads) throws Exception {
        try (Netns ns = Netns.create("close")) {
            quiet(ns);
            LinuxTun t = tunIn(ns, "wcl0", offloads, "10.204.0.1/24", null);
            Throwable e = blockedReadOutcome(t, t::close);
            assertInstanceOf(ClosedChannelException.class, e);
            assertThrows(ClosedChannelException.class, () -> t.read(new PacketBuffer[] {PacketBuffer.allocate(2048)}, 1));
            assertThrows(ClosedChannelException.class, () -> t.write(new PacketBuffer[] {PacketBuffer.allocate(64)}, 0, 1));
            t.close(); // idempotent
        }
    }

    @ParameterizedTest(name = "offloads={0}")
    @ValueSource(booleans = {true, false})
    void deletingTheLinkEndsABlockedRead(boolean offloads) throws Exception {
        try (Netns ns = Netns.create("del")) {
            quiet(ns);
            LinuxTun t = tunIn(ns, "wdel0", offloads, "10.204.0.1/24", null);
            try {
                Throwable e = blockedReadOutcome(t, () -> {
                    try {
                        ns.ip("link", "del", t.name());
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                });
                assertInstanceOf(ClosedChannelException.class, e);
                PacketBuffer p = PacketBuffer.allocate(128);
                p.set(16, 60);
                assertThrows(ClosedChannelException.class, () -> t.write(new PacketBuffer[] {p}, 0, 1));
            } finally {
                t.close();
            }
        }
    }

    /** No IPv6 in the namespace, so an idle up interface sends nothing (no router solicitations, no MLD). */
    private static void quiet(Netns ns) throws Exception {
        ns.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    }

    /** Starts a read on a platform thread, runs {@code action} once it blocks, and returns how the read ended. */
    private static Throwable blockedReadOutcome(LinuxTun t, Runnable action) throws Exception {
        BlockingQueue<Throwable> outcome = new ArrayBlockingQueue<>(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            PacketBuffer[] bufs = {PacketBuffer.allocate(70_000)};
            try {
                int n = t.read(bufs, 1);
                outcome.add(new AssertionError("read returned " + n + " packets"));
            } catch (Throwable e) {
                outcome.add(e);
            }
        });
        Thread.sleep(300);
        assertNull(outcome.peek(), "read returned before the action");
        action.run();
        Throwable e = outcome.poll(5, TimeUnit.SECONDS);
        reader.join(1000);
        assertNotNull(e, "read still blocked");
        return e;
    }

    // ------------------------------------------------------------------ wire

    @ParameterizedTest(name = "offloads={0}")
    @ValueSource(booleans = {true, false})
    void tcpThroughAJavaWire(boolean offloads) throws Exception {
        try (Netns a = Netns.create("wa" + (offloads ? 1 : 0)); Netns b = Netns.create("wb" + (offloads ? 1 : 0))) {
            LinuxTun ta = tunIn(a, "wwa0", offloads, "10.201.0.1/24", "fd00:201::1/64");
            LinuxTun tb = tunIn(b, "wwb0", offloads, "10.201.0.2/24", "fd00:201::2/64");
            Wire wire = new Wire(ta, tb);
            try {
                for (String dst : new String[] {"10.201.0.2", "fd00:201::2"}) {
                    long t0 = System.nanoTime();
                    int mib = offloads ? 64 : 16;
                    transferAndVerify(a, b, dst, mib << 20);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("offloads=%s %s: %d MiB verified in %.2f s (%.0f Mbit/s)%n", offloads, dst, mib,
                            secs, mib * 8.388608 / secs);
                }
                double mbps = iperf(a, b, "10.201.0.2");
                System.out.printf("offloads=%s iperf3 TCP through the Java wire: %.0f Mbit/s; read %d super-packets, "
                                + "wrote %d super-packets carrying %d packets, drops %d/%d%n", offloads, mbps,
                        ta.superPacketsRead() + tb.superPacketsRead(), ta.superPacketsWritten() + tb.superPacketsWritten(),
                        ta.packetsCoalesced() + tb.packetsCoalesced(), ta.drops(), tb.drops());
                assertTrue(mbps > 50, "iperf3 throughput " + mbps);
                if (offloads) {
                    assertTrue(ta.superPacketsRead() > 0, "GSO super-packets read");
                    assertTrue(tb.superPacketsWritten() + ta.superPacketsWritten() > 0, "super-packets written");
                } else {
                    assertEquals(0, ta.superPacketsRead());
                }
                assertNull(wire.failure.get());
            } finally {
                ta.close();
                tb.close();
                wire.close();
            }
        }
    }

    /** Sends {@code bytes} of seeded random data over TCP from namespace a to b and compares digests. */
    private static void transferAndVerify(Netns a, Netns b, String dst, int bytes) throws Exception {
        ServerSocket server = b.inside(() -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getByName(dst), 0));
            return s;
        });
        try (server) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[1 << 16];
                    long total = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                        total += n;
                    }
                    assertEquals(bytes, total);
                    return md.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Socket client = a.inside(() -> new Socket(InetAddress.getByName(dst), server.getLocalPort()));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (client; OutputStream out = client.getOutputStream()) {
                Random r = new Random(bytes);
                byte[] chunk = new byte[1 << 16];
                for (int sent = 0; sent < bytes; sent += chunk.length) {
                    r.nextBytes(chunk);
                    int len = Math.min(chunk.length, bytes - sent);
                    md.update(chunk, 0, len);
                    out.write(chunk, 0, len);
                }
            }
            assertArrayEquals(md.digest(), received.get(60, TimeUnit.SECONDS), "data arrived intact");
        }
    }

    private static double iperf(Netns a, Netns b, String dst) throws Exception {
        Process server = b.start("iperf3", "-s", "-1", "-B", dst);
        try {
            String out = null;
            for (int attempt = 0; attempt < 20 && out == null; attempt++) {
                Thread.sleep(200);
                try {
                    out = a.exec("iperf3", "-c", dst, "-t", "3", "-J");
                } catch (java.io.IOException notYet) {
                    if (attempt == 19) {
                        throw notYet;
                    }
                }
            }
            Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)")
                    .matcher(out);
            assertTrue(m.find(), "iperf3 output: " + out);
            return Double.parseDouble(m.group(1)) / 1e6;
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void udpSegmentationOffloadThroughTheWire() throws Exception {
        try (Netns a = Netns.create("ua"); Netns b = Netns.create("ub")) {
            LinuxTun ta = tunIn(a, "wua0", true, "10.203.0.1/24", null);
            LinuxTun tb = tunIn(b, "wub0", true, "10.203.0.2/24", null);
            Wire wire = new Wire(ta, tb);
            LinuxUdpBind tx = new LinuxUdpBind();
            LinuxUdpBind rx = new LinuxUdpBind();
            try {
                a.inside(() -> tx.open(0));
                Bind.Opened ro = b.inside(() -> rx.open(0));
                PacketBuffer[] out = new PacketBuffer[64];
                for (int i = 0; i < out.length; i++) {
                    out[i] = PacketBuffer.allocate(2048);
                    byte[] d = new byte[1200];
                    Arrays.fill(d, (byte) i);
                    out[i].copyFrom(d, 0, 16, d.length);
                    out[i].set(16, d.length);
                }
                tx.send(out, 0, out.length, Endpoint.of(new byte[] {10, (byte) 203, 0, 2}, ro.port()));
                PacketBuffer[] in = new PacketBuffer[64];
                for (int i = 0; i < in.length; i++) {
                    in[i] = PacketBuffer.allocate(65600);
                }
                List<byte[]> got = new ArrayList<>();
                while (got.size() < 64) {
                    int n = ro.receivers().getFirst().receive(in, 64);
                    for (int i = 0; i < n; i++) {
                        got.add(in[i].toByteArray());
                        assertEquals(4, in[i].sourceAddressLength());
                    }
                }
                for (int i = 0; i < 64; i++) {
                    byte[] want = new byte[1200];
                    Arrays.fill(want, (byte) i);
                    assertArrayEquals(want, got.get(i));
                }
                System.out.printf("UDP through the wire: tun %s, super-packets read %d, packets %d%n", ta,
                        ta.superPacketsRead(), ta.packetsRead());
                if (ta.udpOffloads()) {
                    assertTrue(ta.superPacketsRead() > 0, "USO super-packet read from the TUN");
                }
            } finally {
                tx.close();
                rx.close();
                ta.close();
                tb.close();
                wire.close();
            }
            assertNull(wire.failure.get());
        }
    }
}
