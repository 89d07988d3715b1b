package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyTests;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code warren policy test FILE}: run the file's {@code tests} and print one line per test ({@code PASS} or
 * {@code FAIL}), then each failed expectation with its position. Exit 0 when all pass, 1 otherwise.
 */
@Command(name = "test", description = "Run a policy file's tests and print each test's result.")
public final class PolicyTestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The HuJSON policy file.")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        var out = spec.commandLine().getOut();
        Policy policy = PolicyFiles.load(file, err);
        if (policy == null) {
            err.flush();
            return 1;
        }
        if (policy.testCount() == 0) {
            out.println(file + ": no tests");
            out.flush();
            return 0;
        }
        PolicyTests.TestReport report = PolicyTests.run(policy);
        for (String line : PolicyTests.describe(policy, report)) {
            out.println(line);
        }
        for (PolicyTests.TestFailure f : report.failures()) {
            out.println("  " + f.format());
        }
        out.println(report.passed() ? "ok: " + policy.testCount() + " tests passed"
                : "FAILED: " + report.failures().size() + " expectation" + (report.failures().size() == 1 ? "" : "s")
                + " failed");
        out.flush();
        return report.passed() ? 0 : 1;
    }
}
