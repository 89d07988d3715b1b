package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyTests;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code warren policy check FILE}: parse, validate and run the file's tests — exactly what the control server
 * does before accepting a policy. Prints {@code ok: N acls, M grants, K tests passed} and exits 0, or prints every
 * error and failed test on stderr and exits 1.
 */
@Command(name = "check", description = "Validate a policy file and run its tests (as the control server would).")
public final class PolicyCheckCommand implements Callable<Integer> {
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
        PolicyTests.TestReport report = PolicyTests.run(policy);
        if (!report.passed()) {
            for (PolicyTests.TestFailure f : report.failures()) {
                err.println(f.format());
            }
            err.println(file + ": " + report.failures().size() + " test expectation"
                    + (report.failures().size() == 1 ? "" : "s") + " failed; the policy is rejected");
            err.flush();
            return 1;
        }
        out.println("ok: " + policy.aclCount() + " acls, " + (policy.grantCount() > 0 ? policy.grantCount()
                + " grants, " : "") + policy.testCount() + " tests passed");
        out.flush();
        return 0;
    }
}
