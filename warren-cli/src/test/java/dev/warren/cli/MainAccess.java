package dev.warren.cli;

import picocli.CommandLine;

/** Test access to the command tree of {@link Main}. */
public final class MainAccess {
    private MainAccess() {
    }

    public static CommandLine commandLine() {
        return Main.commandLine();
    }
}
