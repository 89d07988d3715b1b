package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyTests;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code warren policy check FILE}: parse, validate and run the file's tests — exactly what the control server
 * does before accepting a policy. Prints {@code ok: N acls, M grants, K tests passed} and exits 0, or prints every
 * error and failed test on stderr and exits 1.
 */
@Command(name = "check", description = "Validate a policy file and run its tests (as the control server would).")
public final class PolicyCheckCommand extends PolicyFileCommand {
    @Override
    int run(Policy policy, PrintWriter out, PrintWriter err) {
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
