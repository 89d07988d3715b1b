package dev.warren.cli.control;

import dev.warren.control.ControlOptions;
import dev.warren.control.ControlServer;
import dev.warren.control.ControlServerConfig;
import dev.warren.wire.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code warren control serve}: runs the coordination server until SIGINT or SIGTERM. */
@Command(name = "serve", description = "Run the control server until interrupted (SIGINT/SIGTERM).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; [::]:8080 for IPv6; port 0 = random).")
    String listen;

    @Option(names = "--state", paramLabel = "DIR", defaultValue = AdminOptions.DEFAULT_STATE,
            description = "State directory: server key, admin token, control.json, SQLite database"
                    + " (default: ${DEFAULT-VALUE}).")
    Path state;

    @Option(names = "--db", paramLabel = "URL",
            description = "Database: postgresql://user:pass@host:5432/db or jdbc:postgresql://...; default SQLite"
                    + " in the state directory.")
    String db;

    @Option(names = "--url", paramLabel = "URL",
            description = "The URL nodes reach this server at (for interactive login links), e.g."
                    + " https://control.example.com; default: the listen address.")
    String publicUrl;

    @Option(names = "--relay-map", paramLabel = "FILE",
            description = "Relay map JSON (regions of relays, see docs/control.md); replaces the one saved in the"
                    + " state directory. Without it the saved map (set by 'warren control relay-map set') is used.")
    Path relayMap;

    @Override
    public Integer call() {
        ControlServer server;
        try {
            java.net.InetSocketAddress hp = dev.warren.cli.HostPorts.parse("--listen", listen, "0.0.0.0:8080");
            ControlOptions options = ControlOptions.defaults();
            if (publicUrl != null) {
                try {
                    options = options.withPublicUrl(java.net.URI.create(publicUrl));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--url '" + publicUrl + "': " + e.getMessage());
                }
            }
            server = ControlServer.start(new ControlServerConfig(hp.getHostString(), hp.getPort(), state, db, Clock.system(),
                    relayMap),
                    options);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("warren control serve: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "warren-control-shutdown"));
        System.out.println("control server listening on " + server.url());
        System.out.println("public key " + server.publicKey().toBase64());
        System.out.println("state " + state.toAbsolutePath());
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
