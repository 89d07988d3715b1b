package dev.warren.channel;

import dev.warren.channel.internal.RecordReader;
import dev.warren.channel.internal.RecordWriter;
import dev.warren.channel.internal.Records;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import dev.warren.crypto.NoiseHandshake;
import dev.warren.crypto.TransportKeys;
import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A raw WebSocket client sends what a real client never would; the server closes that connection and lives on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GarbageTest {
    private final BlockingQueue<String> handlerOutcomes = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger handlerStarts = new java.util.concurrent.atomic.AtomicInteger();
    private final TestServer server = new TestServer(c -> {
        handlerStarts.incrementAndGet();
        try {
            TestServer.echo(c);
        } catch (Exception e) {
            handlerOutcomes.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            throw e;
        }
    });
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        http.shutdownNow();
        server.close();
    }

    /** Collects whole binary messages and the close status (-1 for an error without a Close frame). */
    static final class Raw implements WebSocket.Listener {
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }

    private WebSocket open(Raw raw) throws Exception {
        return http.newWebSocketBuilder().buildAsync(server.wsUri(), raw).get(5, TimeUnit.SECONDS);
    }

    private void assertServerAlive() throws Exception {
        try (ControlConnection c = ControlChannelClient.connect(server.base(), server.publicKey,
                X25519.generatePrivateKey(), Duration.ofSeconds(5))) {
            c.send("alive?".getBytes());
            assertArrayEquals("alive?".getBytes(), c.receive());
        }
    }

    private static int closeStatus(Raw raw) throws Exception {
        return raw.closed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void randomBytesInsteadOfAHandshake() throws Exception {
        Random rnd = new Random(1);
        for (int len : new int[] {0, 1, 95, 96, 97, 200, 65_536}) {
            Raw raw = new Raw();
            WebSocket ws = open(raw);
            byte[] junk = new byte[len];
            rnd.nextBytes(junk);
            ws.sendBinary(ByteBuffer.wrap(junk), true).get(5, TimeUnit.SECONDS);
            assertEquals(1008, closeStatus(raw), "length " + len);
        }
        assertServerAlive();
    }

    @Test
    void oversizedFirstMessage() throws Exception {
        Raw raw = new Raw();
        WebSocket ws = open(raw);
        ws.sendBinary(ByteBuffer.wrap(new byte[Records.MAX_RECORD_SIZE + 1]), true);
        int status = closeStatus(raw);
        assertTrue(status == 1009 || status == -1, "status " + status);
        assertServerAlive();
    }

    @Test
    void textInsteadOfBinary() throws Exception {
        Raw raw = new Raw();
        WebSocket ws = open(raw);
        ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertEquals(1002, closeStatus(raw));
        assertServerAlive();
    }

    @Test
    void truncatedHandshake() throws Exception {
        Raw raw = new Raw();
        WebSocket ws = open(raw);
        byte[] m1 = initiator(X25519.generatePrivateKey()).writeMessage(new byte[0]);
        ws.sendBinary(ByteBuffer.wrap(m1, 0, 50), true).get(5, TimeUnit.SECONDS);
        assertEquals(1008, closeStatus(raw));
        assertServerAlive();
    }

    @Test
    void silentClientIsDroppedAtTheHandshakeTimeout() throws Exception {
        // Not waiting for the full timeout: only checks that an idle pre-handshake client does not block others.
        Raw raw = new Raw();
        open(raw);
        assertServerAlive();
    }

    private NoiseHandshake initiator(PrivateKey machine) {
        return NoiseHandshake.builder(NoiseHandshake.Pattern.IK, NoiseHandshake.Role.INITIATOR)
                .localStatic(machine)
                .remoteStatic(server.publicKey)
                .prologue(Records.PROLOGUE.getBytes(StandardCharsets.US_ASCII))
                .build();
    }

    /** A handshaken raw session: its writer seals records the server accepts. */
    private record Session(WebSocket ws, Raw raw, RecordWriter writer, RecordReader reader) {
    }

    private Session handshake() throws Exception {
        Raw raw = new Raw();
        WebSocket ws = open(raw);
        NoiseHandshake hs = initiator(X25519.generatePrivateKey());
        ws.sendBinary(ByteBuffer.wrap(hs.writeMessage(new byte[0])), true).get(5, TimeUnit.SECONDS);
        byte[] m2 = raw.messages.poll(5, TimeUnit.SECONDS);
        assertNotNull(m2);
        hs.readMessage(m2);
        TransportKeys keys = hs.split();
        RecordWriter writer = new RecordWriter(Aead.create(), AeadKey.of(keys.sendKey()));
        ws.sendBinary(ByteBuffer.wrap(writer.sealConfirmation()), true).get(5, TimeUnit.SECONDS);
        return new Session(ws, raw, writer, new RecordReader(Aead.create(), AeadKey.of(keys.receiveKey()), false));
    }

    private static void send(Session s, byte[] record) throws Exception {
        s.ws.sendBinary(ByteBuffer.wrap(record), true).get(5, TimeUnit.SECONDS);
    }

    @Test
    void replayedHandshakeNeverReachesTheHandler() throws Exception {
        NoiseHandshake hs = initiator(X25519.generatePrivateKey());
        byte[] m1 = hs.writeMessage(new byte[0]);
        for (int i = 0; i < 3; i++) {
            Raw raw = new Raw();
            WebSocket ws = open(raw);
            ws.sendBinary(ByteBuffer.wrap(m1), true).get(5, TimeUnit.SECONDS);
            assertNotNull(raw.messages.poll(5, TimeUnit.SECONDS), "message 2");
            ws.abort();
        }
        assertServerAlive();
        assertEquals(1, handlerStarts.get(), "only the real client's connection reached the handler");
    }

    @Test
    void firstRecordMustBeTheKeyConfirmation() throws Exception {
        Raw raw = new Raw();
        WebSocket ws = open(raw);
        NoiseHandshake hs = initiator(X25519.generatePrivateKey());
        ws.sendBinary(ByteBuffer.wrap(hs.writeMessage(new byte[0])), true).get(5, TimeUnit.SECONDS);
        hs.readMessage(raw.messages.poll(5, TimeUnit.SECONDS));
        RecordWriter writer = new RecordWriter(Aead.create(), AeadKey.of(hs.split().sendKey()));
        ws.sendBinary(ByteBuffer.wrap(writer.seal("hi".getBytes()).getFirst()), true).get(5, TimeUnit.SECONDS);
        assertEquals(1002, closeStatus(raw));
        assertServerAlive();
        assertEquals(1, handlerStarts.get());
    }

    @Test
    void validRecordsAreEchoed() throws Exception {
        Session s = handshake();
        for (byte[] rec : s.writer.seal("ping".getBytes())) {
            send(s, rec);
        }
        byte[] echoed = s.reader.accept(ByteBuffer.wrap(s.raw.messages.poll(5, TimeUnit.SECONDS)));
        assertArrayEquals("ping".getBytes(), echoed);
    }

    @Test
    void corruptedRecord() throws Exception {
        Session s = handshake();
        byte[] rec = s.writer.seal("hello".getBytes()).getFirst();
        rec[rec.length - 3] ^= 1;
        send(s, rec);
        assertEquals(1002, closeStatus(s.raw));
        String outcome = handlerOutcomes.poll(5, TimeUnit.SECONDS);
        assertNotNull(outcome);
        assertTrue(outcome.contains("authentication"), outcome);
        assertServerAlive();
    }

    @Test
    void replayedRecord() throws Exception {
        Session s = handshake();
        byte[] rec = s.writer.seal("hello".getBytes()).getFirst();
        send(s, rec);
        s.raw.messages.poll(5, TimeUnit.SECONDS);
        send(s, rec);
        assertEquals(1002, closeStatus(s.raw));
        String outcome = handlerOutcomes.poll(5, TimeUnit.SECONDS);
        assertNotNull(outcome);
        assertTrue(outcome.contains("replayed"), outcome);
        assertServerAlive();
    }

    @Test
    void reorderedRecords() throws Exception {
        Session s = handshake();
        List<byte[]> first = s.writer.seal("one".getBytes());
        List<byte[]> second = s.writer.seal("two".getBytes());
        send(s, second.getFirst());
        assertEquals(1002, closeStatus(s.raw));
        assertServerAlive();
        assertEquals(1, first.size());
    }

    @Test
    void truncatedRecord() throws Exception {
        Session s = handshake();
        byte[] rec = s.writer.seal("hello".getBytes()).getFirst();
        send(s, java.util.Arrays.copyOf(rec, 10));
        assertEquals(1002, closeStatus(s.raw));
        assertServerAlive();
    }

    @Test
    void oversizedRecordAfterHandshake() throws Exception {
        Session s = handshake();
        s.ws.sendBinary(ByteBuffer.wrap(new byte[Records.MAX_RECORD_SIZE + 100]), true);
        int status = closeStatus(s.raw);
        assertTrue(status == 1009 || status == -1, "status " + status);
        assertServerAlive();
    }

    @Test
    void messageBeyondTheMaximumIsRefused() throws Exception {
        Session s = handshake();
        byte[] chunk = new byte[Records.MAX_CHUNK];
        int sent = 0;
        while (sent <= dev.warren.channel.ControlConnection.MAX_MESSAGE_SIZE) {
            send(s, s.writer.sealChunk(chunk, 0, chunk.length, false));
            sent += chunk.length;
            if (s.raw.closed.isDone()) {
                break;
            }
        }
        assertEquals(1002, closeStatus(s.raw));
        assertServerAlive();
    }
}
