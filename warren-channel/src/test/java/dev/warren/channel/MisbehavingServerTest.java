package dev.warren.channel;

import dev.warren.channel.internal.RecordWriter;
import dev.warren.channel.internal.Records;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import dev.warren.crypto.NoiseHandshake;
import dev.warren.crypto.TransportKeys;
import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import io.javalin.Javalin;
import io.javalin.websocket.WsBinaryMessageContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client side: a fake server that misbehaves after (or during) the handshake makes the client fail cleanly. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MisbehavingServerTest {
    private final PrivateKey serverKey = X25519.generatePrivateKey();
    private final PublicKey serverPublic = X25519.publicKey(serverKey);
    private final PrivateKey machine = X25519.generatePrivateKey();
    private Javalin app;
    private final java.util.Map<String, RecordWriter> writers = new java.util.concurrent.ConcurrentHashMap<>();

    /** What the fake server does once it has a record writer (handshake done) for the session. */
    @FunctionalInterface
    interface Behaviour {
        void after(WsBinaryMessageContext ctx, RecordWriter writer) throws Exception;
    }

    private URI start(boolean garbageResponse, boolean silent, Behaviour behaviour) {
        app = Javalin.create(config -> {
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.routes.ws("/control", ws -> ws.onBinaryMessage(ctx -> {
                if (silent) {
                    return;
                }
                if (garbageResponse) {
                    byte[] junk = new byte[48];
                    new Random(5).nextBytes(junk);
                    ctx.send(ByteBuffer.wrap(junk));
                    return;
                }
                byte[] m1 = new byte[ctx.data().remaining()];
                ctx.data().get(m1);
                NoiseHandshake hs = NoiseHandshake.builder(NoiseHandshake.Pattern.IK, NoiseHandshake.Role.RESPONDER)
                        .localStatic(serverKey)
                        .prologue(Records.PROLOGUE.getBytes(StandardCharsets.US_ASCII))
                        .build();
                RecordWriter writer = writers.remove(ctx.sessionId());
                if (writer != null) {
                    behaviour.after(ctx, writer); // this was the client's key confirmation (not checked here)
                    return;
                }
                hs.readMessage(m1);
                ctx.send(ByteBuffer.wrap(hs.writeMessage(new byte[0])));
                TransportKeys keys = hs.split();
                writers.put(ctx.sessionId(), new RecordWriter(Aead.create(), AeadKey.of(keys.sendKey())));
            }));
        }).start();
        return URI.create("http://127.0.0.1:" + app.port());
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    private ControlConnection connect(URI base) throws IOException {
        return ControlChannelClient.connect(base, serverPublic, machine, Duration.ofSeconds(5));
    }

    @Test
    void garbageHandshakeResponse() {
        URI base = start(true, false, null);
        IOException e = assertThrows(IOException.class, () -> connect(base));
        assertTrue(e.getMessage().contains("bad Noise handshake response"), e.getMessage());
    }

    @Test
    void silentServerTimesOut() {
        URI base = start(false, true, null);
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> ControlChannelClient.connect(base, serverPublic, machine, Duration.ofMillis(500)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3));
        assertTrue(e.getMessage().contains("within 500 ms") && e.getMessage().contains("/control"), e.getMessage());
    }

    @Test
    void corruptedRecordFailsTheClient() throws Exception {
        URI base = start(false, false, (ctx, w) -> {
            ctx.send(ByteBuffer.wrap(w.seal("fine".getBytes()).getFirst()));
            byte[] bad = w.seal("bad".getBytes()).getFirst();
            bad[bad.length - 1] ^= 1;
            ctx.send(ByteBuffer.wrap(bad));
        });
        try (ControlConnection c = connect(base)) {
            assertArrayEquals("fine".getBytes(), c.receive());
            IOException e = assertThrows(IOException.class, c::receive);
            assertFalse(e instanceof EOFException);
            assertTrue(e.getMessage().contains("failed authentication"), e.getMessage());
            assertFalse(c.isOpen());
            assertThrows(IOException.class, () -> c.send(new byte[1]));
        }
    }

    @Test
    void replayedRecordFailsTheClient() throws Exception {
        URI base = start(false, false, (ctx, w) -> {
            byte[] rec = w.seal("once".getBytes()).getFirst();
            ctx.send(ByteBuffer.wrap(rec));
            ctx.send(ByteBuffer.wrap(rec));
        });
        try (ControlConnection c = connect(base)) {
            assertArrayEquals("once".getBytes(), c.receive());
            IOException e = assertThrows(IOException.class, c::receive);
            assertTrue(e.getMessage().contains("replayed"), e.getMessage());
        }
    }

    @Test
    void oversizedRecordFailsTheClient() throws Exception {
        URI base = start(false, false, (ctx, w) -> ctx.send(ByteBuffer.wrap(new byte[Records.MAX_RECORD_SIZE + 1])));
        try (ControlConnection c = connect(base)) {
            IOException e = assertThrows(IOException.class, c::receive);
            assertTrue(e.getMessage().contains("exceeds the record maximum"), e.getMessage());
        }
    }

    @Test
    void textMessageFailsTheClient() throws Exception {
        URI base = start(false, false, (ctx, w) -> ctx.send("hello"));
        try (ControlConnection c = connect(base)) {
            IOException e = assertThrows(IOException.class, c::receive);
            assertTrue(e.getMessage().contains("text"), e.getMessage());
        }
    }

    @Test
    void wrongPathIsNotAControlServer() throws Exception {
        URI base = start(false, false, (ctx, w) -> { });
        IOException e = assertThrows(IOException.class,
                () -> connect(URI.create(base + "/elsewhere")));
        assertTrue(e.getMessage().contains("/elsewhere/control") && e.getMessage().contains("404"), e.getMessage());
    }
}
