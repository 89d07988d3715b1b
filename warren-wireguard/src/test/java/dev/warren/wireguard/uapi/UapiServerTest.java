package dev.warren.wireguard.uapi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket server in a temporary directory (no root needed). */
class UapiServerTest {
    @TempDir
    Path tmp;

    @Test
    void createsSocketAndParentsWithTheRightModes() throws Exception {
        Path sock = tmp.resolve("run/wireguard/wt0.sock");
        try (UapiServer server = UapiServer.start(sock, new InMemoryUapiDevice())) {
            assertEquals(sock, server.socketPath());
            int mode = (Integer) Files.getAttribute(sock, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0140000, mode & 0170000, "a socket");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("run"))));
            try (var files = Files.list(sock.getParent())) {
                assertEquals(List.of(sock), files.toList(), "no staging leftovers");
            }
        }
        assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "close deletes the socket");
    }

    @Test
    void aBoundListenerAppearsOnlyWhenServedAndLeavesNothingWhenClosedUnserved() throws Exception {
        Path sock = tmp.resolve("wt5.sock");
        UapiServer.Listener listener = UapiServer.bind(sock);
        assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "not published before serve");
        try (UapiServer server = listener.serve(new InMemoryUapiDevice())) {
            assertEquals("errno=0\n\n", TestClient.once(sock, "get=1\n\n"));
            assertThrows(IllegalStateException.class, () -> listener.serve(new InMemoryUapiDevice()));
            listener.close(); // a no-op once served
            assertEquals("errno=0\n\n", TestClient.once(sock, "get=1\n\n"));
        }
        UapiServer.bind(sock).close();
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no socket and no staging directory left");
        }
    }

    @Test
    void servesSeveralRequestsPerConnectionAndSeveralConnections() throws Exception {
        Path sock = tmp.resolve("wt1.sock");
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        try (UapiServer server = UapiServer.start(sock, device); TestClient a = new TestClient(sock);
             TestClient b = new TestClient(sock)) {
            assertEquals("errno=0\n\n", a.request("set=1\nlisten_port=777\n\n"));
            assertEquals("listen_port=777\nerrno=0\n\n", b.request("get=1\n\n"));
            assertEquals("errno=-22\n\n", a.request("set=1\nlisten_port=x\n\n"));
            assertEquals("listen_port=777\nerrno=0\n\n", a.request("get=1\n\n"));
            assertEquals("errno=-22\n\n", b.request("nonsense\n"));
            assertTrue(b.isClosedByServer());
        }
    }

    @Test
    void refusesALiveSocketAndReplacesAStaleOne() throws Exception {
        Path sock = tmp.resolve("wt2.sock");
        try (UapiServer first = UapiServer.start(sock, new InMemoryUapiDevice())) {
            IOException e = assertThrows(IOException.class, () -> UapiServer.start(sock, new InMemoryUapiDevice()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertEquals("errno=0\n\n", TestClient.once(sock, "get=1\n\n"), "the first server still works");
        }
        // A socket file left behind by a dead process: bind, then close without deleting.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();
        assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS));
        try (UapiServer replaced = UapiServer.start(sock, new InMemoryUapiDevice())) {
            assertEquals("errno=0\n\n", TestClient.once(sock, "get=1\n\n"));
        }
    }

    @Test
    void neverReplacesSomethingThatIsNotASocket() throws Exception {
        Path file = tmp.resolve("wt3.sock");
        Files.writeString(file, "precious");
        assertThrows(IOException.class, () -> UapiServer.start(file, new InMemoryUapiDevice()));
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void closeLeavesAFileSomeoneElsePutThere() throws Exception {
        Path sock = tmp.resolve("wt4.sock");
        UapiServer server = UapiServer.start(sock, new InMemoryUapiDevice());
        Files.delete(sock);
        Files.writeString(sock, "someone else's");
        server.close();
        server.close(); // idempotent
        assertEquals("someone else's", Files.readString(sock));
    }

    @Test
    void closeEndsOpenConnections() throws Exception {
        Path sock = tmp.resolve("wt5.sock");
        UapiServer server = UapiServer.start(sock, new InMemoryUapiDevice());
        try (TestClient idle = new TestClient(sock)) {
            assertEquals("errno=0\n\n", idle.request("get=1\n\n"));
            server.close();
            assertTrue(idle.isClosedByServer());
        }
    }

    @Test
    void limitsConcurrentConnections() throws Exception {
        Path sock = tmp.resolve("wt6.sock");
        List<TestClient> clients = new ArrayList<>();
        try (UapiServer server = UapiServer.start(sock, new InMemoryUapiDevice())) {
            for (int i = 0; i < UapiServer.MAX_CONNECTIONS; i++) {
                TestClient c = new TestClient(sock);
                clients.add(c);
                assertEquals("errno=0\n\n", c.request("get=1\n\n"));
            }
            try (TestClient extra = new TestClient(sock)) {
                assertTrue(extra.isClosedByServer(), "one connection too many is closed");
            }
            clients.removeFirst().close();
            // The slot frees once the server notices the close; retry briefly.
            String answer = "";
            for (int i = 0; i < 100 && !answer.equals("errno=0\n\n"); i++) {
                try (TestClient again = new TestClient(sock)) {
                    answer = again.request("get=1\n\n");
                } catch (IOException e) {
                    answer = "";
                }
                if (!answer.equals("errno=0\n\n")) {
                    Thread.sleep(20);
                }
            }
            assertEquals("errno=0\n\n", answer);
        } finally {
            for (TestClient c : clients) {
                c.close();
            }
        }
    }
}
