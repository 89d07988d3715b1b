package dev.warren.policy;

import java.util.List;

/** Runs a policy file's {@code tests} section symbolically (no nodes needed). */
public final class PolicyTests {
    private PolicyTests() {
    }

    public static TestReport run(Policy policy) {
        throw new UnsupportedOperationException("API skeleton");
    }

    /** The outcome of a file's tests; passed when there are no failures. */
    public record TestReport(List<TestFailure> failures) {
        public TestReport {
            failures = List.copyOf(failures);
        }

        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** One failed expectation, located at the entry in the file; the message names the test and entry. */
    public record TestFailure(String file, int line, int column, String message) {
        public String format() {
            return file + ":" + line + ":" + column + ": " + message;
        }
    }
}
