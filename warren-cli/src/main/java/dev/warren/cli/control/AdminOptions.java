package dev.warren.cli.control;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How admin commands find the server. */
final class AdminOptions {
    static final String DEFAULT_STATE = "/var/lib/warren/control";

    @Option(names = "--state", paramLabel = "DIR", defaultValue = DEFAULT_STATE,
            description = "The server's state directory; control.json and admin.token there locate and authorize"
                    + " (default: ${DEFAULT-VALUE}).")
    Path state;

    @Option(names = "--server", paramLabel = "URL", description = "The server's URL, e.g. http://127.0.0.1:8080"
            + " (overrides control.json).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The admin token (overrides admin.token).")
    String token;

    AdminClient client() throws AdminClient.ApiException {
        return AdminClient.locate(state, server, token);
    }
}
