package dev.warren.channel;

import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlChannelTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final PrivateKey machine = X25519.generatePrivateKey();
    private final PublicKey machinePublic = X25519.publicKey(machine);
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    private TestServer server(ConnectionHandler h) {
        TestServer s = new TestServer(h);
        cleanup.add(s);
        return s;
    }

    private ControlConnection connect(TestServer s) throws IOException {
        ControlConnection c = ControlChannelClient.connect(s.base(), s.publicKey, machine, TIMEOUT);
        cleanup.add(c);
        return c;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void roundTripsMessagesOfAllSizesAndAuthenticatesBothKeys() throws Exception {
        BlockingQueue<PublicKey> seen = new ArrayBlockingQueue<>(4);
        TestServer s = server(c -> {
            seen.add(c.remoteKey());
            TestServer.echo(c);
        });
        ControlConnection c = connect(s);
        assertEquals(s.publicKey, c.remoteKey());
        assertTrue(c.isOpen());
        for (int size : new int[] {0, 1, 100 * 1024, 3 << 20, 65_511, 65_512}) {
            byte[] m = random(size, size);
            c.send(m);
            assertArrayEquals(m, c.receive(), "size " + size);
        }
        assertEquals(machinePublic, seen.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void largestMessageRoundTripsAndLargerIsRefused() throws Exception {
        TestServer s = server(TestServer::echo);
        ControlConnection c = connect(s);
        byte[] m = random(ControlConnection.MAX_MESSAGE_SIZE, 7);
        c.send(m);
        assertArrayEquals(m, c.receive());
        assertThrows(IOException.class, () -> c.send(new byte[ControlConnection.MAX_MESSAGE_SIZE + 1]));
        assertTrue(c.isOpen());
    }

    @Test
    void severalClientsWithConcurrentSenders() throws Exception {
        TestServer s = server(TestServer::echo);
        int clients = 4;
        int senders = 4;
        int perSender = 40;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int ci = 0; ci < clients; ci++) {
                PrivateKey key = X25519.generatePrivateKey();
                ControlConnection c = ControlChannelClient.connect(s.base(), s.publicKey, key, TIMEOUT);
                cleanup.add(c);
                int clientId = ci;
                Set<String> expected = new HashSet<>();
                for (int t = 0; t < senders; t++) {
                    for (int i = 0; i < perSender; i++) {
                        expected.add(clientId + "/" + t + "/" + i);
                    }
                }
                for (int t = 0; t < senders; t++) {
                    int tid = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perSender; i++) {
                            String tag = clientId + "/" + tid + "/" + i;
                            byte[] pad = new byte[(i * 7919) % 150_000];
                            byte[] body = (tag + "|").getBytes();
                            byte[] m = Arrays.copyOf(body, body.length + pad.length);
                            c.send(m);
                        }
                        return null;
                    }));
                }
                futures.add(pool.submit(() -> {
                    Set<String> got = new HashSet<>();
                    for (int i = 0; i < senders * perSender; i++) {
                        String text = new String(c.receive());
                        got.add(text.substring(0, text.indexOf('|')));
                    }
                    assertEquals(expected, got);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void slowReaderPushesBackAndLosesNothing() throws Exception {
        int count = 40;
        TestServer s = server(c -> {
            for (int i = 0; i < count; i++) {
                byte[] m = random(1 << 20, i);
                c.send(m);
            }
            c.receive(); // wait for the client's goodbye
        });
        ControlConnection c = connect(s);
        Thread.sleep(1_000); // the client stops reading from the socket above its high-water mark
        for (int i = 0; i < count; i++) {
            assertArrayEquals(random(1 << 20, i), c.receive(), "message " + i);
        }
        c.send(new byte[0]);
    }

    @Test
    void wrongServerKeyFailsQuicklyAndServerKeepsServing() throws Exception {
        TestServer s = server(TestServer::echo);
        PublicKey wrong = X25519.publicKey(X25519.generatePrivateKey());
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> ControlChannelClient.connect(s.base(), wrong, machine, Duration.ofSeconds(10)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "took too long: " + e);
        assertTrue(e.getMessage().contains("/control"), e.getMessage());
        assertTrue(e.getMessage().contains("server key"), e.getMessage());
        ControlConnection ok = connect(s);
        ok.send(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, ok.receive());
    }

    @Test
    void clientCloseGivesTheHandlerEof() throws Exception {
        BlockingQueue<Throwable> outcome = new ArrayBlockingQueue<>(1);
        CountDownLatch got = new CountDownLatch(1);
        TestServer s = server(c -> {
            c.receive();
            got.countDown();
            try {
                c.receive();
                outcome.add(new AssertionError("message after close"));
            } catch (IOException ex) {
                outcome.add(ex);
            }
            assertFalse(c.isOpen());
        });
        ControlConnection c = connect(s);
        c.send(new byte[] {42});
        assertTrue(got.await(5, TimeUnit.SECONDS));
        c.close();
        assertFalse(c.isOpen());
        assertInstanceOf(EOFException.class, outcome.poll(5, TimeUnit.SECONDS));
        IOException afterClose = assertThrows(IOException.class, c::receive);
        assertFalse(afterClose instanceof EOFException, "a local close is not the peer's EOF");
        assertThrows(IOException.class, () -> c.send(new byte[1]));
        c.close(); // idempotent
    }

    @Test
    void handlerReturnGivesTheClientEofAfterItsMessages() throws Exception {
        TestServer s = server(c -> {
            c.send("bye".getBytes());
        });
        ControlConnection c = connect(s);
        assertArrayEquals("bye".getBytes(), c.receive());
        assertThrows(EOFException.class, c::receive);
        assertThrows(EOFException.class, c::receive, "EOF is sticky");
        assertFalse(c.isOpen());
        assertThrows(IOException.class, () -> c.send(new byte[1]));
    }

    @Test
    void handlerThrowingClosesTheConnection() throws Exception {
        TestServer s = server(c -> {
            throw new IllegalStateException("handler bug");
        });
        ControlConnection c = connect(s);
        assertThrows(EOFException.class, c::receive);
    }

    @Test
    void localCloseWakesABlockedReader() throws Exception {
        TestServer s = server(c -> Thread.sleep(60_000));
        ControlConnection c = connect(s);
        BlockingQueue<Throwable> outcome = new ArrayBlockingQueue<>(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                c.receive();
                outcome.add(new AssertionError("received"));
            } catch (Throwable t) {
                outcome.add(t);
            }
        });
        Thread.sleep(100);
        c.close();
        Throwable t = outcome.poll(5, TimeUnit.SECONDS);
        assertNotNull(t);
        assertInstanceOf(IOException.class, t);
        reader.join();
    }

    @Test
    void handlerRunsOnAVirtualThread() throws Exception {
        BlockingQueue<Boolean> virtual = new ArrayBlockingQueue<>(1);
        TestServer s = server(c -> virtual.add(Thread.currentThread().isVirtual()));
        connect(s);
        assertEquals(Boolean.TRUE, virtual.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void dialerConnectsEachTime() throws Exception {
        TestServer s = server(TestServer::echo);
        ControlDialer d = ControlChannelClient.dialer(s.base(), s.publicKey, machine, TIMEOUT);
        for (int i = 0; i < 3; i++) {
            try (ControlConnection c = d.connect()) {
                c.send(new byte[] {(byte) i});
                assertArrayEquals(new byte[] {(byte) i}, c.receive());
            }
        }
    }

    @Test
    void nothingListeningFailsWithTheUrl() throws Exception {
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + port);
        IOException e = assertThrows(IOException.class,
                () -> ControlChannelClient.connect(base, X25519.publicKey(machine), machine, TIMEOUT));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void serverKeyFetch() throws Exception {
        TestServer s = server(TestServer::echo);
        assertEquals(s.publicKey, ServerKey.fetch(s.base(), TIMEOUT));
        assertEquals(s.publicKey, ServerKey.fetch(java.net.URI.create(s.base() + "/"), TIMEOUT));
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.base() + "/key")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, resp.statusCode());
            assertEquals("{\"publicKey\":\"" + s.publicKey.toBase64() + "\",\"capabilityVersion\":"
                    + dev.warren.wire.control.CapabilityVersion.CURRENT + "}", resp.body());
            assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        }
    }

    @Test
    void badUrlsFailWithIoException() {
        assertThrows(IOException.class, () -> ControlChannelClient.connect(java.net.URI.create("ftp://127.0.0.1"),
                machinePublic, machine, TIMEOUT));
        assertThrows(IOException.class, () -> ServerKey.fetch(java.net.URI.create("ftp://127.0.0.1"), TIMEOUT));
    }

    @Test
    void serverKeyFetchFromNowhereNamesTheUrl() throws Exception {
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + port);
        IOException e = assertThrows(IOException.class, () -> ServerKey.fetch(base, TIMEOUT));
        assertTrue(e.getMessage().contains("http://127.0.0.1:" + port + "/key"), e.getMessage());
    }

    @Test
    void serverKeyFetchOfAWrongPathNamesTheStatus() throws Exception {
        TestServer s = server(TestServer::echo);
        java.net.URI base = java.net.URI.create(s.base() + "/nothing-here");
        IOException e = assertThrows(IOException.class, () -> ServerKey.fetch(base, TIMEOUT));
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertTrue(e.getMessage().contains("/nothing-here/key"), e.getMessage());
    }
}
