package dev.warren.cli.relay;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code warren relay}: the relay server. */
@Command(name = "relay",
        description = "Run a Warren relay (forwards encrypted packets between nodes by public key; STUN; mesh).",
        subcommands = {RelayServeCommand.class})
public final class RelayCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
