package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyTests;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code warren policy test FILE}: run the file's {@code tests} and print one line per test ({@code PASS} or
 * {@code FAIL}), then each failed expectation with its position. Exit 0 when all pass, 1 otherwise.
 */
@Command(name = "test", description = "Run a policy file's tests and print each test's result.")
public final class PolicyTestCommand extends PolicyFileCommand {
    @Override
    int run(Policy policy, PrintWriter out, PrintWriter err) {
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
