package dev.warren.cli.policy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code warren policy}: check and test access policy files. */
@Command(name = "policy",
        description = "Check and test HuJSON access policy files (Tailscale syntax; see docs/policy.md).",
        subcommands = {PolicyCheckCommand.class, PolicyTestCommand.class})
public final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
