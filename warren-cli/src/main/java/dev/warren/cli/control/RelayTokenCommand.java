package dev.warren.cli.control;

import dev.warren.control.ControlServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code warren control relay-token --state DIR}: prints the token relays present to the server's
 * {@code /relay/admit} endpoint (creating {@code relay.token}, mode 0600, if the server has not yet).
 */
@Command(name = "relay-token", description = "Print the relay admission token (give it to 'warren relay')."
        + " Creates relay.token in the state directory if it does not exist yet.")
final class RelayTokenCommand implements Callable<Integer> {
    @Option(names = "--state", paramLabel = "DIR", defaultValue = AdminOptions.DEFAULT_STATE,
            description = "The server's state directory (default: ${DEFAULT-VALUE}).")
    Path state;

    @Override
    public Integer call() {
        try {
            System.out.println(ControlServer.relayToken(state));
            return 0;
        } catch (IOException e) {
            System.err.println("warren control relay-token: " + e.getMessage());
            return 1;
        }
    }
}
