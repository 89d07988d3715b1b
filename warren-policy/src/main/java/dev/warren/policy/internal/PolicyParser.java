package dev.warren.policy.internal;

import dev.warren.policy.PolicyError;
import dev.warren.policy.PolicyException;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns policy text into a validated {@link Model}: HuJSON syntax ({@link HuJson}), then each section in
 * dependency order (groups, hosts, tagOwners before the rules that name them), collecting every error rather than
 * stopping at the first. Errors point at the offending value and carry a hint where one helps. The alias and
 * destination grammar lives in {@link AliasParser}; this class handles sections and rule shapes. One instance per
 * parse; not thread-safe.
 */
public final class PolicyParser {
    /** Sections Warren implements. */
    static final List<String> SECTIONS = List.of("groups", "hosts", "tagOwners", "autoApprovers", "acls", "grants",
            "tests");
    /** Tailscale sections Warren accepts and ignores (so existing files load); documented in docs/policy.md. */
    static final List<String> IGNORED_SECTIONS = List.of("ssh", "sshTests", "nodeAttrs", "postures", "ipsets",
            "derpMap", "disableIPv4", "randomizeClientPort");

    final String file;
    final List<PolicyError> errors = new ArrayList<>();
    final Map<String, List<String>> groups = new LinkedHashMap<>();
    final Map<String, IpPrefix> hosts = new LinkedHashMap<>();
    final Map<String, List<String>> tagOwners = new LinkedHashMap<>();
    private final AliasParser aliases;

    private PolicyParser(String file) {
        this.file = file;
        this.aliases = new AliasParser(this);
    }

    /** Parses and validates; throws with every error found. */
    public static Model parse(String file, String text) throws PolicyException {
        PolicyParser p = new PolicyParser(file);
        Json root;
        try {
            root = HuJson.parse(text);
        } catch (HuJson.SyntaxException e) {
            throw new PolicyException(new PolicyError(file, e.line(), e.column(), e.getMessage(), null));
        }
        Model m = p.model(root);
        if (!p.errors.isEmpty()) {
            throw new PolicyException(p.errors);
        }
        return m;
    }

    void error(Json at, String message, String hint) {
        errors.add(new PolicyError(file, at.line(), at.column(), message, hint));
    }

    void error(int line, int column, String message, String hint) {
        errors.add(new PolicyError(file, line, column, message, hint));
    }

    private Model model(Json root) {
        if (!(root instanceof Json.Obj top)) {
            error(root, "a policy must be a JSON object, not " + root.kind(), null);
            return null;
        }
        Map<String, Json.Member> sections = new LinkedHashMap<>();
        for (Json.Member m : top.members()) {
            if (SECTIONS.contains(m.key()) || IGNORED_SECTIONS.contains(m.key())) {
                sections.put(m.key(), m);
            } else {
                List<String> all = new ArrayList<>(SECTIONS);
                all.addAll(IGNORED_SECTIONS);
                error(m.line(), m.column(), "unknown section \"" + m.key() + "\"", Hints.didYouMean(m.key(), all));
            }
        }
        if (sections.get("groups") instanceof Json.Member g) {
            groups(g.value());
        }
        if (sections.get("hosts") instanceof Json.Member h) {
            hosts(h.value());
        }
        if (sections.get("tagOwners") instanceof Json.Member t) {
            tagOwners(t.value());
        }
        if (sections.get("autoApprovers") instanceof Json.Member a) {
            autoApprovers(a.value());
        }
        List<Model.Rule> rules = new ArrayList<>();
        int acls = 0;
        int grants = 0;
        if (sections.get("acls") instanceof Json.Member a) {
            List<Json.Obj> entries = objects(a.value(), "acls");
            acls = entries.size();
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i) == null) {
                    continue;
                }
                new RuleParser(this, aliases).acl("acls[" + i + "]", entries.get(i), rules);
            }
        }
        if (sections.get("grants") instanceof Json.Member g) {
            List<Json.Obj> entries = objects(g.value(), "grants");
            grants = entries.size();
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i) == null) {
                    continue;
                }
                new RuleParser(this, aliases).grant("grants[" + i + "]", entries.get(i), rules);
            }
        }
        List<Model.TestCase> tests = new ArrayList<>();
        if (sections.get("tests") instanceof Json.Member t) {
            List<Json.Obj> entries = objects(t.value(), "tests");
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i) == null) {
                    continue;
                }
                Model.TestCase tc = new RuleParser(this, aliases).test(i, entries.get(i));
                if (tc != null) {
                    tests.add(tc);
                }
            }
        }
        for (String ignored : IGNORED_SECTIONS) {
            if (sections.get(ignored) instanceof Json.Member m && m.value() instanceof Json.Null) {
                error(m.value(), "section \"" + ignored + "\" is null", null);
            }
        }
        return new Model(groups, hosts, tagOwners, rules, tests, acls, grants);
    }

    /** The section's value as an array of objects (null where an entry is not one), reporting anything else. */
    List<Json.Obj> objects(Json v, String section) {
        List<Json.Obj> out = new ArrayList<>();
        if (!(v instanceof Json.Arr arr)) {
            error(v, "\"" + section + "\" must be an array, not " + v.kind(), null);
            return out;
        }
        for (Json item : arr.items()) {
            if (item instanceof Json.Obj o) {
                out.add(o);
            } else {
                error(item, "each entry of \"" + section + "\" must be an object, not " + item.kind(), null);
                out.add(null); // keeps indices aligned with the file
            }
        }
        return out;
    }

    /** An array of strings, reporting anything else. */
    List<Json.Str> strings(Json v, String what) {
        List<Json.Str> out = new ArrayList<>();
        if (!(v instanceof Json.Arr arr)) {
            error(v, what + " must be an array of strings, not " + v.kind(), null);
            return out;
        }
        for (Json item : arr.items()) {
            if (item instanceof Json.Str s) {
                out.add(s);
            } else {
                error(item, what + " must contain strings, not " + item.kind(), null);
            }
        }
        return out;
    }

    private void groups(Json v) {
        if (!(v instanceof Json.Obj o)) {
            error(v, "\"groups\" must be an object, not " + v.kind(), null);
            return;
        }
        for (Json.Member m : o.members()) {
            if (!m.key().startsWith("group:") || !AliasParser.validName(m.key().substring(6))) {
                error(m.line(), m.column(), "bad group name \"" + m.key() + "\"",
                        "group names look like group:engineering");
                continue;
            }
            List<String> members = new ArrayList<>();
            for (Json.Str s : strings(m.value(), "group " + m.key())) {
                String u = s.value();
                if (u.startsWith("group:")) {
                    error(s, "group " + m.key() + " contains group " + u, "groups cannot contain other groups; "
                            + "list the users");
                } else if (u.startsWith("tag:") || u.startsWith("autogroup:")) {
                    error(s, "group " + m.key() + " contains " + u, "groups contain users only");
                } else if (!AliasParser.isLogin(u)) {
                    error(s, "\"" + u + "\" in group " + m.key() + " is not a user login",
                            "users are written alice@example.com (or alice@)");
                } else {
                    members.add(u);
                }
            }
            groups.put(m.key(), List.copyOf(members));
        }
    }

    private void hosts(Json v) {
        if (!(v instanceof Json.Obj o)) {
            error(v, "\"hosts\" must be an object, not " + v.kind(), null);
            return;
        }
        for (Json.Member m : o.members()) {
            String name = m.key();
            if (name.isEmpty() || name.contains(":") || name.contains("@") || name.equals("*")
                    || IpAddresses.tryParse(name) != null || !AliasParser.validHostName(name)) {
                error(m.line(), m.column(), "bad host name \"" + name + "\"",
                        "host names are words such as db-net (letters, digits, '-', '_', '.')");
                continue;
            }
            if (!(m.value() instanceof Json.Str s)) {
                error(m.value(), "host " + name + " must be an IP or CIDR string, not " + m.value().kind(), null);
                continue;
            }
            IpPrefix p = AliasParser.prefix(s.value());
            if (p == null) {
                error(s, "host " + name + ": \"" + s.value() + "\" is not an IP address or CIDR",
                        "write e.g. 100.64.0.1, 10.1.0.0/16 or fd7a:115c:a1e0::1");
                continue;
            }
            hosts.put(name, p);
        }
    }

    private void tagOwners(Json v) {
        if (!(v instanceof Json.Obj o)) {
            error(v, "\"tagOwners\" must be an object, not " + v.kind(), null);
            return;
        }
        for (Json.Member m : o.members()) {
            if (!m.key().startsWith("tag:") || !AliasParser.validName(m.key().substring(4))) {
                error(m.line(), m.column(), "bad tag name \"" + m.key() + "\"", "tag names look like tag:server");
                continue;
            }
            tagOwners.put(m.key(), List.of()); // defined, owners filled below (tags may own each other)
        }
        for (Json.Member m : o.members()) {
            if (!tagOwners.containsKey(m.key())) {
                continue;
            }
            List<String> owners = new ArrayList<>();
            for (Json.Str s : strings(m.value(), "owners of " + m.key())) {
                if (aliases.owner(s)) {
                    owners.add(s.value());
                }
            }
            tagOwners.put(m.key(), List.copyOf(owners));
        }
    }

    private void autoApprovers(Json v) {
        if (!(v instanceof Json.Obj o)) {
            error(v, "\"autoApprovers\" must be an object, not " + v.kind(), null);
            return;
        }
        for (Json.Member m : o.members()) {
            switch (m.key()) {
                case "routes" -> {
                    if (!(m.value() instanceof Json.Obj routes)) {
                        error(m.value(), "autoApprovers.routes must be an object, not " + m.value().kind(), null);
                        continue;
                    }
                    for (Json.Member r : routes.members()) {
                        if (AliasParser.prefix(r.key()) == null) {
                            error(r.line(), r.column(), "autoApprovers route \"" + r.key() + "\" is not a CIDR",
                                    "write e.g. 10.1.0.0/16");
                        }
                        for (Json.Str s : strings(r.value(), "approvers of " + r.key())) {
                            aliases.owner(s);
                        }
                    }
                }
                case "exitNode" -> {
                    for (Json.Str s : strings(m.value(), "autoApprovers.exitNode")) {
                        aliases.owner(s);
                    }
                }
                default -> error(m.line(), m.column(), "unknown autoApprovers field \"" + m.key() + "\"",
                        Hints.didYouMean(m.key(), Set.of("routes", "exitNode")));
            }
        }
    }
}
