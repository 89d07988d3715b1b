package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Base of the {@code policy} commands that act on one file ({@code check FILE}, {@code test FILE}): the
 * {@code FILE} parameter, reading and parsing it through {@link PolicyFiles#load} — on any read or parse problem
 * every error is printed on stderr and the command exits 1 without running — then {@link #run} on the parsed
 * policy. Both commands load a file the same way, so that rule lives here once. Picocli calls {@link #call()} on its
 * own thread, once per command object; nothing is shared.
 */
abstract class PolicyFileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The HuJSON policy file.")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() {
        var err = spec.commandLine().getErr();
        var out = spec.commandLine().getOut();
        Policy policy = PolicyFiles.load(file, err);
        if (policy == null) {
            err.flush();
            return 1;
        }
        return run(policy, out, err);
    }

    /**
     * Runs the command on the policy parsed from {@link #file}, printing to picocli's {@code out} and {@code err}
     * (and flushing them); returns the exit status.
     */
    abstract int run(Policy policy, PrintWriter out, PrintWriter err);
}
