package dev.warren.channel;

import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import io.javalin.Javalin;

import java.net.URI;

/** A Javalin server on 127.0.0.1, an ephemeral port, with the control channel at /control and the key at /key. */
final class TestServer implements AutoCloseable {
    final PrivateKey privateKey = X25519.generatePrivateKey();
    final PublicKey publicKey = X25519.publicKey(privateKey);
    final Javalin app;

    TestServer(ConnectionHandler handler) {
        this(handler, ControlChannelServer.DEFAULTS);
    }

    TestServer(ConnectionHandler handler, ControlChannelServer.Timing timing) {
        app = Javalin.create(config -> {
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            ControlChannelServer.install(config, "/control", privateKey, handler, timing);
            ControlChannelServer.installKeyEndpoint(config, publicKey);
        }).start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    URI wsUri() {
        return URI.create("ws://127.0.0.1:" + app.port() + "/control");
    }

    @Override
    public void close() {
        app.stop();
    }

    /** Echoes every message until the client closes. */
    static void echo(ControlConnection c) throws Exception {
        while (true) {
            c.send(c.receive());
        }
    }
}
