package dev.warren.policy;

import dev.warren.policy.internal.Alias;
import dev.warren.policy.internal.Matcher;
import dev.warren.policy.internal.Model;
import dev.warren.policy.internal.Protocols;
import dev.warren.wire.filter.FilterRule;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a policy file's {@code tests} section symbolically: no nodes are needed. A test's {@code src} is a user, a
 * group (every member must pass), a tag, a host or an IP; each {@code accept}/{@code deny} entry is
 * {@code alias:port} where the alias is a user, tag, host or IP. The entry is allowed when some rule's sources name
 * the test source (by identity: {@code *}, the user, a group holding it, {@code autogroup:member}, the tag,
 * {@code autogroup:tagged}; by address: a CIDR or host containing the IP) and its destinations name the entry's
 * alias the same way ({@code autogroup:self} when the destination user is the source user) with the port and
 * protocol ({@code proto}, default tcp). An IP source does not match user or tag rules, as no node is known.
 * Pure and thread-safe.
 */
public final class PolicyTests {
    private PolicyTests() {
    }

    /** Runs every test; the report lists each failed expectation at its entry's position. */
    public static TestReport run(Policy policy) {
        List<TestFailure> failures = new ArrayList<>();
        Model m = policy.model();
        for (Model.TestCase tc : m.tests()) {
            for (Model.TestEntry e : tc.accept()) {
                check(policy, tc, e, true, failures);
            }
            for (Model.TestEntry e : tc.deny()) {
                check(policy, tc, e, false, failures);
            }
        }
        return new TestReport(failures);
    }

    /** Per-test results for {@code warren policy test}: one line per test, "ok" or its failures. */
    public static List<String> describe(Policy policy) {
        return describe(policy, run(policy));
    }

    /** {@link #describe(Policy)} from a report {@link #run} already made for {@code policy}. */
    public static List<String> describe(Policy policy, TestReport report) {
        List<String> out = new ArrayList<>();
        for (Model.TestCase tc : policy.model().tests()) {
            String name = "tests[" + tc.index() + "] " + tc.src().text();
            String prefix = "tests[" + tc.index() + "]:";
            long failed = report.failures().stream().filter(f -> f.message().startsWith(prefix)).count();
            int total = tc.accept().size() + tc.deny().size();
            out.add((failed == 0 ? "PASS " : "FAIL ") + name + ": " + (total - failed) + "/" + total
                    + " expectations hold");
        }
        return out;
    }

    private static void check(Policy policy, Model.TestCase tc, Model.TestEntry e, boolean expectAllowed,
                              List<TestFailure> failures) {
        List<Integer> protos = tc.protocols().isEmpty() ? List.of(FilterRule.TCP) : tc.protocols();
        List<Alias> sources = new ArrayList<>();
        if (tc.src() instanceof Alias.Group g) {
            sources.addAll(g.members());
        } else {
            sources.add(tc.src());
        }
        for (Alias src : sources) {
            for (int proto : protos) {
                String rule = allowingRule(policy.model(), src, e.alias(), e.port(), proto);
                boolean allowed = rule != null;
                if (allowed != expectAllowed) {
                    String who = src == tc.src() ? src.text() : src.text() + " (of " + tc.src().text() + ")";
                    String msg = "tests[" + tc.index() + "]: " + who + " -> " + e.text() + " (" + protoName(proto)
                            + ") should be " + (expectAllowed ? "accepted but is denied: no rule allows it"
                            : "denied but " + rule + " allows it");
                    failures.add(new TestFailure(policy.fileName(), e.line(), e.column(), msg));
                    return;
                }
            }
        }
    }

    static String protoName(int proto) {
        for (var e : Protocols.NAMES.entrySet()) {
            if (e.getValue().equals(List.of(proto))) {
                return e.getKey();
            }
        }
        return proto == FilterRule.ICMP ? "icmp" : "proto " + proto;
    }

    /** The origin of the first rule that allows src → dst:port/proto, or null. */
    static String allowingRule(Model m, Alias src, Alias dst, int port, int proto) {
        for (Model.Rule r : m.rules()) {
            if (!Protocols.allows(r.protocols(), proto)) {
                continue;
            }
            boolean srcOk = false;
            for (Alias a : r.srcs()) {
                srcOk |= names(a, src);
            }
            if (!srcOk) {
                continue;
            }
            for (Model.Dst d : r.dsts()) {
                boolean portOk = !Protocols.hasPorts(proto) || d.allowsPort(port);
                boolean dstOk = d.alias() instanceof Alias.Auto(Alias.AutoKind k) && k == Alias.AutoKind.SELF
                        ? src instanceof Alias.User su && dst instanceof Alias.User du && sameUser(su, du)
                        : names(d.alias(), dst);
                if (portOk && dstOk) {
                    return r.origin();
                }
            }
        }
        return null;
    }

    private static boolean sameUser(Alias.User a, Alias.User b) {
        return a.login().equals(b.login()) || a.matchesLogin(b.login()) || b.matchesLogin(a.login());
    }

    /** Whether rule alias {@code rule} names the concrete test alias {@code t} (user, tag or address). */
    private static boolean names(Alias rule, Alias t) {
        return switch (rule) {
            case Alias.Any any -> true;
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.DANGER_ALL -> true;
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.MEMBER -> t instanceof Alias.User;
            case Alias.Auto(Alias.AutoKind k) when k == Alias.AutoKind.TAGGED -> t instanceof Alias.Tag;
            case Alias.Auto a -> false;
            case Alias.User u -> t instanceof Alias.User tu && (u.matchesLogin(tu.login())
                    || u.login().equals(tu.login()));
            case Alias.Group g -> t instanceof Alias.User tu && g.containsLogin(tu.login());
            case Alias.Tag tag -> t instanceof Alias.Tag tt && tt.name().equals(tag.name());
            case Alias.Prefix p -> t instanceof Alias.Prefix tp && Matcher.contains(p.prefix(), tp.prefix());
        };
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
        /** {@code "policy.hujson:40:17: tests[2]: alice@example.com -> tag:db:22 (tcp) should be ..."}. */
        public String format() {
            return file + ":" + line + ":" + column + ": " + message;
        }
    }
}
