package dev.warren.cli.node;

import dev.warren.node.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code warren up}. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Log this node in to a control server and connect it (like `tailscale up`).",
                "Without --auth-key, prints a URL to open and waits until the login there finishes."})
public final class UpCommand extends ClientOptions {
    @Option(names = "--login-server", required = true, paramLabel = "URL",
            description = "The control server, e.g. https://control.example.com.")
    String loginServer;

    @Option(names = "--auth-key", paramLabel = "KEY",
            description = "A pre-auth key, or file:PATH to read it from a file.")
    String authKey;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The name to register (default: the host name).")
    String hostname;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: ${DEFAULT-VALUE}).")
    String timeout = "120s";

    @Override
    int run() throws IOException {
        URI server;
        try {
            server = URI.create(loginServer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--login-server \"" + loginServer + "\" is not a URL");
        }
        String key = authKey;
        if (key != null && key.startsWith("file:")) {
            key = Files.readString(Path.of(key.substring(5))).strip();
        }
        Status s = client().up(server, key, hostname, duration(timeout), url -> {
            System.out.println();
            System.out.println("To authenticate, visit:");
            System.out.println();
            System.out.println("\t" + url);
            System.out.println();
            System.out.flush();
        });
        System.out.printf("Logged in to %s as %s (%s)%s%n", s.loginServer(), s.selfName(),
                String.join(", ", s.selfAddresses()), s.domain() == null ? "" : " in " + s.domain());
        return 0;
    }
}
