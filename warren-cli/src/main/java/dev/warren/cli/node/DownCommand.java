package dev.warren.cli.node;

import picocli.CommandLine.Command;

import java.io.IOException;

/** {@code warren down}. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Disconnect: stop talking to control and remove all peers; the login is kept for `warren up`.")
public final class DownCommand extends ClientOptions {
    @Override
    int run() throws IOException {
        client().down();
        return 0;
    }
}
