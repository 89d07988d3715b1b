package dev.warren.cli.control;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code warren control}: the coordination server and its administration. */
@Command(name = "control",
        description = "Run and administer the Warren control (coordination) server.",
        subcommands = {ServeCommand.class, DomainCommand.class, AuthKeyCommand.class, NodeCommand.class,
                RegisterCommand.class, RelayMapCommand.class, RelayTokenCommand.class, PolicyCommand.class})
public final class ControlCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
