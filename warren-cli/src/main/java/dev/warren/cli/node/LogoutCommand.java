package dev.warren.cli.node;

import picocli.CommandLine.Command;

import java.io.IOException;

/** {@code warren logout}. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Log out: expire the node key at control, disconnect, and forget the key and the pinned server.")
public final class LogoutCommand extends ClientOptions {
    @Override
    int run() throws IOException {
        client().logout();
        return 0;
    }
}
