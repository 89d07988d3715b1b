package dev.warren.cli.relay;

import dev.warren.crypto.X25519;
import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.relay.server.RelayServer;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.stun.StunMessage;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code warren relay serve} in-process on loopback: two clients exchange a packet through it; bad flags fail. */
class RelayCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new RelayCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void serveRelaysPacketsBetweenTwoClientsAndAnswersStun() throws Exception {
        Path meshKey = dir.resolve("mesh.key");
        Files.writeString(meshKey, "ab".repeat(32) + "\n");
        int stunPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            stunPort = probe.getLocalPort();
        }
        RelayServeCommand cmd = new RelayServeCommand();
        CommandLine cl = new CommandLine(cmd);
        Thread t = Thread.ofPlatform().start(() -> cl.execute("--listen", "127.0.0.1:0", "--stun-port", String.valueOf(stunPort),
                "--mesh-key", meshKey.toString(), "--rate-limit", "1000000", "--key-file",
                dir.resolve("relay.key").toString()));
        try (ExecutorScheduler scheduler = new ExecutorScheduler("test")) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cmd.server == null && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            RelayServer s = cmd.server;
            assertNotNull(s, "relay did not start");
            assertTrue(Files.readString(dir.resolve("relay.key")).strip().length() == 44);
            InetSocketAddress a = s.address();
            RelayMap.RelayNode node = new RelayMap.RelayNode("r", "localhost", "127.0.0.1", null, a.getPort(),
                    s.stunPort(), false);
            PrivateKey ka = X25519.generatePrivateKey();
            PrivateKey kb = X25519.generatePrivateKey();
            PublicKey pb = X25519.publicKey(kb);
            BlockingQueue<byte[]> atB = new LinkedBlockingQueue<>();
            BlockingQueue<String> upB = new LinkedBlockingQueue<>();
            RelayClient ca = RelayClient.start(new RelayClientConfig(node, ka, null, null, Clock.system(), scheduler),
                    (src, b, off, len) -> { });
            RelayClient cb = RelayClient.start(new RelayClientConfig(node, kb, null, null, Clock.system(), scheduler),
                    new RelayClient.Listener() {
                        @Override
                        public void packet(PublicKey src, byte[] b, int off, int len) {
                            atB.add(java.util.Arrays.copyOfRange(b, off, off + len));
                        }

                        @Override
                        public void connected() {
                            upB.add("up");
                        }
                    });
            try {
                assertNotNull(upB.poll(10, TimeUnit.SECONDS), "b not admitted");
                end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!ca.isConnected() && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
                byte[] p = "hello through warren relay serve".getBytes(StandardCharsets.UTF_8);
                byte[] got = null;
                for (int i = 0; i < 50 && got == null; i++) {
                    ca.send(pb, p, 0, p.length);
                    got = atB.poll(200, TimeUnit.MILLISECONDS);
                }
                assertArrayEquals(p, got);

                try (DatagramSocket u = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                    u.setSoTimeout(5000);
                    byte[] req = new StunMessage.BindingRequest(new byte[12]).encode();
                    u.send(new DatagramPacket(req, req.length, InetAddress.getLoopbackAddress(), s.stunPort()));
                    byte[] buf = new byte[512];
                    DatagramPacket resp = new DatagramPacket(buf, buf.length);
                    u.receive(resp);
                    StunMessage m = StunMessage.decode(ByteBuffer.wrap(buf, 0, resp.getLength()));
                    assertEquals(u.getLocalPort(), ((StunMessage.BindingSuccess) m).address().getPort());
                }
            } finally {
                ca.close();
                cb.close();
            }
        } finally {
            cmd.stop();
            t.join(10_000);
        }
    }

    @Test
    void badFlagsAndFilesAreNamed() throws Exception {
        Run r = run("serve", "--listen", "nowhere");
        assertEquals(1, r.code());
        assertEquals("warren relay serve: --listen 'nowhere' must be HOST:PORT, e.g. 0.0.0.0:443 or [::1]:443\n",
                r.err());
        Path bad = dir.resolve("mesh.key");
        Files.writeString(bad, "abc\n");
        r = run("serve", "--listen", "127.0.0.1:0", "--mesh-key", bad.toString(), "--mesh-with", "127.0.0.1:9");
        assertEquals("warren relay serve: mesh key file " + bad + ": expected 64 hex characters (32 bytes), found 3"
                + " characters\n", r.err());
        Files.writeString(bad, "x" + "a".repeat(63));
        r = run("serve", "--listen", "127.0.0.1:0", "--mesh-key", bad.toString());
        assertTrue(r.err().contains("character 1 ('x') is not a hex digit"), r.err());
        r = run("serve", "--listen", "127.0.0.1:0", "--mesh-with", "127.0.0.1:9");
        assertTrue(r.err().contains("--mesh-with needs --mesh-key FILE"), r.err());
        r = run("serve", "--listen", "127.0.0.1:0", "--tls-cert", dir.resolve("none.pem").toString());
        assertTrue(r.err().contains("--tls-cert and --tls-key go together"), r.err());
        r = run("serve", "--listen", "127.0.0.1:0", "--tls-cert", dir.resolve("none.pem").toString(), "--tls-key",
                dir.resolve("none.key").toString());
        assertTrue(r.err().contains("cannot read TLS certificate " + dir.resolve("none.pem")), r.err());
        r = run("serve", "--listen", "127.0.0.1:0", "--control", "http://127.0.0.1:1", "--control-token",
                dir.resolve("missing-token").toString());
        assertTrue(r.err().contains("--control-token: cannot read " + dir.resolve("missing-token")), r.err());
        r = run("serve", "--listen", "127.0.0.1:0", "--rate-limit", "1000", "--rate-burst", "10");
        assertTrue(r.err().contains("--rate-burst 10 is smaller than one maximal frame"), r.err());
        String help = new CommandLine(new RelayCommand()).getSubcommands().get("serve").getUsageMessage();
        for (String flag : new String[]{"--listen", "--stun-port", "--tls-cert", "--tls-key", "--mesh-with",
                "--mesh-key", "--control", "--control-token", "--rate-limit", "--rate-burst", "--max-clients",
                "--key-file"}) {
            assertTrue(help.contains(flag), flag + " missing from help");
        }
    }
}
