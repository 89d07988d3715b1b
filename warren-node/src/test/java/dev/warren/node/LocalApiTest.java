package dev.warren.node;

import dev.warren.node.internal.LocalApiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalApiTest {
    @TempDir
    Path dir;

    private static String raw(Path socket, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8))
                    .readLine();
        }
    }

    @Test
    void roundTripOverAUnixSocket() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.node("a");
            m.up("b");
            Path sock = dir.resolve("run/warren.sock");
            try (LocalApiServer api = LocalApiServer.start(sock, a.backend)) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
                assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
                LocalApiClient client = new LocalApiClient(sock);
                assertEquals(BackendState.NeedsLogin, client.status().state());

                Status up = client.up(Mesh.SERVER, FakeControl.GOOD_KEY, "alpha", Duration.ofSeconds(5), u -> { });
                assertEquals(BackendState.Running, up.state());
                assertEquals("alpha", up.selfName());
                assertEquals(List.of("100.64.0.2", "fd7a:115c:a1e0::2"), client.ip());

                Mesh.await("peer", () -> {
                    try {
                        return client.status().peers().size() == 1;
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                PeerInfo b = client.status().peers().getFirst();
                assertEquals("b", b.name());
                assertEquals("b", client.whois("100.64.0.1").orElseThrow().name());
                assertTrue(client.whois("100.64.0.77").isEmpty());

                IOException noPeer = assertThrows(IOException.class, () -> client.ping("nobody", Duration.ofSeconds(1)));
                assertTrue(noPeer.getMessage().contains("no peer named"), noPeer.getMessage());
                PingResult timeout = client.ping("b", Duration.ofMillis(100)); // b's host never answers here
                assertFalse(timeout.replied());

                // the plain data plane has no netcheck: a clear error, nothing else changes
                IOException noNetcheck = assertThrows(IOException.class, () -> client.netcheck(Duration.ofSeconds(1)));
                assertTrue(noNetcheck.getMessage().contains("--no-magicsock"), noNetcheck.getMessage());
                assertEquals("{\"error\":\"timeoutMillis must be 1..60000\"}",
                        raw(sock, "{\"op\":\"netcheck\",\"timeoutMillis\":0}\n"));
                assertEquals(BackendState.Running, client.status().state());

                dev.warren.filter.FilterSnapshot filter = client.filter();
                assertTrue(filter.installed());
                assertEquals(FakeControl.ALLOW_ALL, filter.rules(), "the rules survive the JSON round trip");
                assertEquals(0L, filter.drops().get("no-rule"));
                assertTrue(client.status().filter().installed());

                assertEquals(BackendState.Stopped, client.down().state());
                assertEquals(BackendState.NeedsLogin, client.logout().state());
            }
            assertFalse(Files.exists(sock), "socket removed on close");
        }
    }

    @Test
    void interactiveLoginStreamsTheAuthUrlThenTheResult() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            m.control.interactive = true;
            Mesh.TestNode a = m.node("a");
            Path sock = dir.resolve("api.sock");
            try (LocalApiServer api = LocalApiServer.start(sock, a.backend)) {
                java.util.concurrent.CompletableFuture<String> url = new java.util.concurrent.CompletableFuture<>();
                java.util.concurrent.CompletableFuture<Status> up = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return new LocalApiClient(sock).up(Mesh.SERVER, null, "a", Duration.ofSeconds(10), url::complete);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertTrue(url.get(5, java.util.concurrent.TimeUnit.SECONDS).startsWith("https://control.test/a/"));
                assertEquals(url.get(), new LocalApiClient(sock).status().authUrl(), "status shows the URL meanwhile");
                m.control.approved.countDown();
                assertEquals(BackendState.Running, up.get(5, java.util.concurrent.TimeUnit.SECONDS).state());
            }
        }
    }

    @Test
    void malformedRequestsGetErrorsAndTheServerLives() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.node("a");
            Path sock = dir.resolve("api.sock");
            try (LocalApiServer api = LocalApiServer.start(sock, a.backend)) {
                assertTrue(raw(sock, "this is not json\n").startsWith("{\"error\":\"malformed request"));
                assertEquals("{\"error\":\"request must be a JSON object\"}", raw(sock, "[1,2]\n"));
                assertEquals("{\"error\":\"request field \\\"op\\\" is required\"}", raw(sock, "{}\n"));
                assertTrue(raw(sock, "{\"op\":\"fly\"}\n").contains("unknown op \\\"fly\\\""));
                assertTrue(raw(sock, "{\"op\":\"up\",\"loginServer\":\"nope\"}\n").contains("absolute URL"));
                assertTrue(raw(sock, "{\"op\":\"whois\",\"address\":\"x\"}\n").contains("not an IP address"));
                assertTrue(raw(sock, "").contains("empty request"));
                assertTrue(raw(sock, "{\"op\":\"status\"}\n").startsWith("{\"result\":{\"state\":\"NeedsLogin\""));
            }
        }
    }

    @Test
    void aSecondServerOnALiveSocketIsRefusedAStaleOneReplaced() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.node("a");
            Path sock = dir.resolve("api.sock");
            try (LocalApiServer api = LocalApiServer.start(sock, a.backend)) {
                IOException e = assertThrows(IOException.class, () -> LocalApiServer.start(sock, a.backend));
                assertTrue(e.getMessage().contains("already serving"), e.getMessage());
            }
            Files.createFile(sock); // a stale file
            try (LocalApiServer api = LocalApiServer.start(sock, a.backend)) {
                assertEquals(BackendState.NeedsLogin, new LocalApiClient(sock).status().state());
            }
        }
    }

    @Test
    void clearErrorWhenTheDaemonIsNotRunning() {
        Path sock = dir.resolve("missing.sock");
        IOException e = assertThrows(IOException.class, () -> new LocalApiClient(sock).status());
        assertInstanceOf(LocalApiClient.DaemonUnreachableException.class, e);
        assertEquals("cannot reach the node daemon at " + sock + ": is `warren node` running?", e.getMessage());
    }
}
