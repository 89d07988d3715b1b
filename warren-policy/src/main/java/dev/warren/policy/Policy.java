package dev.warren.policy;

import dev.warren.policy.internal.Model;
import dev.warren.policy.internal.PolicyParser;

import java.util.Objects;

/**
 * A parsed and validated policy file (Tailscale's HuJSON syntax: {@code groups}, {@code hosts},
 * {@code tagOwners}, {@code autoApprovers}, {@code acls}, {@code grants}, {@code tests}). Immutable and
 * thread-safe. {@link #parse} checks syntax and semantics (every group, tag and host a rule names is defined,
 * ports and protocols are valid, autogroups are used where they mean something) but does not run the file's
 * {@code tests}: callers run {@link PolicyTests#run} and reject the policy when it fails.
 */
public final class Policy {
    /**
     * What a new domain starts with: one rule that lets every node reach every port of every other node, with
     * comments showing the admin how to narrow it.
     */
    public static final String ALLOW_ALL_TEXT = """
            // Warren access policy for this domain (HuJSON: JSON with comments and trailing commas).
            // A new domain allows all traffic between its nodes. Narrow it by replacing the rule below, e.g.
            //   "groups": {"group:eng": ["alice@example.com"]},
            //   "tagOwners": {"tag:server": ["group:eng"]},
            //   "acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:server:22,443"]}],
            // Traffic that no rule accepts is denied. See docs/policy.md.
            {
              "acls": [
                // Everyone may reach everything.
                {"action": "accept", "src": ["*"], "dst": ["*:*"]},
              ],
            }
            """;

    private static final Policy ALLOW_ALL = parseBuiltIn();

    private final String fileName;
    private final String text;
    private final Model model;

    private Policy(String fileName, String text, Model model) {
        this.fileName = fileName;
        this.text = text;
        this.model = model;
    }

    /**
     * Parses and validates a policy file.
     *
     * @param fileName the name errors are reported under (e.g. {@code "policy.hujson"})
     * @param text     the file's contents
     * @throws PolicyException listing every error found, each with line, column, offending value and hint
     */
    public static Policy parse(String fileName, String text) throws PolicyException {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(text, "text");
        return new Policy(fileName, text, PolicyParser.parse(fileName, text));
    }

    /** The policy of a new domain: {@code parse("allow-all", ALLOW_ALL_TEXT)}. */
    public static Policy allowAll() {
        return ALLOW_ALL;
    }

    public String fileName() {
        return fileName;
    }

    public String text() {
        return text;
    }

    /** The validated model; internal to warren-policy. */
    Model model() {
        return model;
    }

    /** Number of entries in the file's {@code acls} section. */
    public int aclCount() {
        return model.aclCount();
    }

    /** Number of entries in the file's {@code grants} section. */
    public int grantCount() {
        return model.grantCount();
    }

    /** Number of entries in the file's {@code tests} section. */
    public int testCount() {
        return model.tests().size();
    }

    private static Policy parseBuiltIn() {
        try {
            return parse("allow-all", ALLOW_ALL_TEXT);
        } catch (PolicyException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public String toString() {
        return "Policy[" + fileName + ", " + model.rules().size() + " rules]";
    }
}
