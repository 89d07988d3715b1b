package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code wg} tool (wireguard-tools 1.0.20210914) against {@link UapiServer} with the model device
 * on {@code /var/run/wireguard/NAME.sock}. No network interface is needed: {@code wg} talks to the socket.
 */
@Tag("lab")
class WgToolLabTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path tmp;
    private String name;
    private InMemoryUapiDevice device;
    private UapiServer server;

    @BeforeEach
    void start() throws Exception {
        Lab.assume("wg");
        name = Lab.uniqueName("wuapi");
        device = new InMemoryUapiDevice();
        server = UapiServer.start(Lab.RUN_DIR.resolve(name + ".sock"), device);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            Files.deleteIfExists(Lab.RUN_DIR.resolve(name + ".sock"));
        }
    }

    @Test
    void setShowAndShowconf() throws Exception {
        PrivateKey priv = UapiText.clampUnlessZero(PrivateKey.of(random32())); // what wg showconf shows
        PublicKey peer1 = PublicKey.of(random32());
        PublicKey peer2 = PublicKey.of(random32());
        Path privFile = write("priv", priv.toBase64());
        Path pskFile = write("psk", PublicKey.of(random32()).toBase64());

        Lab.run("wg", "set", name, "listen-port", "51820", "fwmark", "0x1234", "private-key", privFile.toString(),
                "peer", peer1.toBase64(), "preshared-key", pskFile.toString(), "endpoint", "192.0.2.1:51820",
                "persistent-keepalive", "25", "allowed-ips", "10.0.0.0/24,fd00::/64",
                "peer", peer2.toBase64(), "endpoint", "[2001:db8::1]:51821", "allowed-ips", "10.0.1.2/32").ok();

        DeviceState s = device.state();
        assertEquals(priv, s.privateKey());
        assertEquals(51820, s.listenPort());
        assertEquals(0x1234, s.fwmark());
        assertEquals(2, s.peers().size());
        PeerState p1 = s.peers().get(0);
        assertEquals(peer1, p1.publicKey());
        assertEquals(Endpoint.parse("192.0.2.1:51820"), p1.endpoint());
        assertEquals(25, p1.persistentKeepaliveSeconds());
        assertEquals(List.of(IpPrefix.parse("10.0.0.0/24"), IpPrefix.parse("fd00::/64")), p1.allowedIps());
        assertFalse(p1.presharedKey().isZero());

        device.setStats(peer1, 1_700_000_123_000_000_000L, 1000, 2000);
        String dump = Lab.run("wg", "show", name, "dump").ok().out();
        String[] lines = dump.split("\n");
        assertEquals(priv.toBase64() + "\t" + InMemoryUapiDevice.publicKeyOf(priv).toBase64() + "\t51820\t0x1234", lines[0]);
        assertTrue(lines[1].startsWith(peer1.toBase64() + "\t"), dump);
        assertTrue(lines[1].endsWith("\t192.0.2.1:51820\t10.0.0.0/24,fd00::/64\t1700000123\t2000\t1000\t25"), lines[1]);
        assertEquals(peer2.toBase64() + "\t(none)\t[2001:db8::1]:51821\t10.0.1.2/32\t0\t0\t0\toff", lines[2]);

        String conf = Lab.run("wg", "showconf", name).ok().out();
        assertTrue(conf.contains("ListenPort = 51820\n"), conf);
        assertTrue(conf.contains("FwMark = 0x1234\n"), conf);
        assertTrue(conf.contains("PrivateKey = " + priv.toBase64() + "\n"), conf);
        assertTrue(conf.contains("AllowedIPs = 10.0.0.0/24, fd00::/64\n"), conf);
        assertTrue(conf.contains("Endpoint = [2001:db8::1]:51821\n"), conf);
        assertTrue(conf.contains("PersistentKeepalive = 25\n"), conf);

        assertTrue(Lab.run("wg", "show", "interfaces").ok().out().contains(name));
        assertEquals(peer1.toBase64() + "\t1700000123\n" + peer2.toBase64() + "\t0\n",
                Lab.run("wg", "show", name, "latest-handshakes").ok().out());

        Lab.run("wg", "set", name, "peer", peer2.toBase64(), "remove").ok();
        assertEquals(List.of(peer1), device.state().peers().stream().map(PeerState::publicKey).toList());
    }

    @Test
    void setconfAddconfAndSyncconf() throws Exception {
        PrivateKey priv = PrivateKey.of(random32());
        PublicKey a = PublicKey.of(random32());
        PublicKey b = PublicKey.of(random32());
        PublicKey c = PublicKey.of(random32());
        Lab.run("wg", "setconf", name, write("one.conf", """
                [Interface]
                PrivateKey = %s
                ListenPort = 4000

                [Peer]
                PublicKey = %s
                AllowedIPs = 10.1.0.0/16, 10.2.0.0/16
                Endpoint = 198.51.100.7:4000

                [Peer]
                PublicKey = %s
                AllowedIPs = 10.3.0.0/16
                """.formatted(priv.toBase64(), a.toBase64(), b.toBase64())).toString()).ok();
        assertEquals(List.of(a, b), keys());
        assertEquals(4000, device.state().listenPort());

        Lab.run("wg", "addconf", name, write("two.conf", """
                [Peer]
                PublicKey = %s
                AllowedIPs = 10.4.0.0/16
                """.formatted(c.toBase64())).toString()).ok();
        assertEquals(List.of(a, b, c), keys());

        // syncconf computes the difference itself (get, then set with remove=true for peers not in the file).
        Lab.run("wg", "syncconf", name, write("three.conf", """
                [Interface]
                PrivateKey = %s
                ListenPort = 4001

                [Peer]
                PublicKey = %s
                AllowedIPs = 10.9.0.0/16
                """.formatted(priv.toBase64(), b.toBase64())).toString()).ok();
        DeviceState s = device.state();
        assertEquals(List.of(b), keys());
        assertEquals(4001, s.listenPort());
        assertEquals(List.of(IpPrefix.parse("10.9.0.0/16")), s.peers().getFirst().allowedIps());

        // setconf replaces everything, including removing the fwmark and peers.
        Lab.run("wg", "setconf", name, write("empty.conf", "[Interface]\nListenPort = 4002\n").toString()).ok();
        assertEquals(List.of(), keys());
        assertEquals(null, device.state().privateKey());
    }

    @Test
    void errnoFromTheDeviceReachesTheTool() throws Exception {
        device.busyPort = 4444;
        Lab.Result r = Lab.run("wg", "set", name, "listen-port", "4444");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("Address already in use"), r.err());
        assertEquals(0, device.state().listenPort(), "nothing applied");
        assertEquals(0, device.applied.size());
    }

    private List<PublicKey> keys() {
        return device.state().peers().stream().map(PeerState::publicKey).toList();
    }

    private Path write(String file, String content) throws Exception {
        Path p = tmp.resolve(file);
        Files.writeString(p, content);
        return p;
    }

    private static byte[] random32() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }
}
