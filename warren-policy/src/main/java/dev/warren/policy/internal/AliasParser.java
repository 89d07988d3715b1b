package dev.warren.policy.internal;

import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.List;

/**
 * The grammar of selectors and destinations: {@code *}, users ({@code alice@example.com}, {@code alice@}),
 * {@code group:}, {@code tag:}, host names, IPs and CIDRs (IPv6 bare, or bracketed before a port), autogroups;
 * destinations {@code alias:ports} split at the last colon, with ports {@code *}, {@code 22}, {@code 80,443},
 * {@code 8000-8100}. Every failure is reported to the owning {@link PolicyParser} at the string's position, with a
 * hint naming the closest defined group, tag or host.
 */
final class AliasParser {
    /** Where an alias is used; decides which autogroups are allowed. */
    enum Role { SRC, DST, TEST_SRC, TEST_DST }

    private static final List<String> AUTOGROUPS = List.of("autogroup:member", "autogroup:tagged", "autogroup:self",
            "autogroup:internet", "autogroup:danger-all");
    private static final List<String> OWNER_AUTOGROUPS = List.of("autogroup:admin", "autogroup:owner",
            "autogroup:member", "autogroup:it-admin", "autogroup:network-admin", "autogroup:billing-admin",
            "autogroup:auditor");

    private final PolicyParser p;

    AliasParser(PolicyParser p) {
        this.p = p;
    }

    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    static boolean validHostName(String name) {
        return validName(name) && Character.isLetter(name.charAt(0));
    }

    /** {@code local@domain} or {@code local@}: one '@', a non-empty local part, no spaces or colons. */
    static boolean isLogin(String s) {
        int at = s.indexOf('@');
        if (at <= 0 || at != s.lastIndexOf('@') || s.length() > 320) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == ':' || c == '"' || c == '\\' || c == ',') {
                return false;
            }
        }
        return true;
    }

    /** An IP or CIDR; IPv6 may be bracketed. Null when it is neither. */
    static IpPrefix prefix(String text) {
        String t = text;
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        } else if (t.startsWith("[") && t.contains("]/")) {
            t = t.substring(1, t.indexOf(']')) + t.substring(t.indexOf(']') + 1);
        }
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (IpAddresses.tryParse(addr) == null) {
            return null;
        }
        try {
            return IpPrefix.parse(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Validates a tagOwners / autoApprovers owner (user, group, tag, role autogroup). */
    boolean owner(Json.Str s) {
        String v = s.value();
        if (v.startsWith("group:")) {
            if (!p.groups.containsKey(v)) {
                p.error(s, v + " is not defined", Hints.didYouMean(v, p.groups.keySet()));
                return false;
            }
            return true;
        }
        if (v.startsWith("tag:")) {
            if (!p.tagOwners.containsKey(v)) {
                p.error(s, v + " is not defined in tagOwners", Hints.didYouMean(v, p.tagOwners.keySet()));
                return false;
            }
            return true;
        }
        if (v.startsWith("autogroup:")) {
            if (!OWNER_AUTOGROUPS.contains(v)) {
                p.error(s, v + " cannot own tags or approve routes", Hints.didYouMean(v, OWNER_AUTOGROUPS));
                return false;
            }
            return true;
        }
        if (!isLogin(v)) {
            p.error(s, "\"" + v + "\" is not a user, group, tag or autogroup",
                    "users are written alice@example.com (or alice@)");
            return false;
        }
        return true;
    }

    /** Parses an alias (no port); reports and returns null when invalid. */
    Alias alias(String v, Json at, Role role) {
        if (v.equals("*")) {
            if (role == Role.TEST_SRC || role == Role.TEST_DST) {
                p.error(at, "\"*\" cannot be used in tests", "test a concrete user, tag, host or IP");
                return null;
            }
            return new Alias.Any();
        }
        if (v.startsWith("group:")) {
            List<String> members = p.groups.get(v);
            if (members == null) {
                p.error(at, v + " is not defined", Hints.didYouMean(v, p.groups.keySet()));
                return null;
            }
            if (role == Role.TEST_DST) {
                p.error(at, "a test destination cannot be a group (" + v + ")", "test a user, tag, host or IP");
                return null;
            }
            List<Alias.User> users = new ArrayList<>();
            for (String m : members) {
                users.add(new Alias.User(m));
            }
            return new Alias.Group(v, users);
        }
        if (v.startsWith("tag:")) {
            if (!p.tagOwners.containsKey(v)) {
                p.error(at, v + " is not defined in tagOwners", Hints.didYouMean(v, p.tagOwners.keySet()));
                return null;
            }
            return new Alias.Tag(v);
        }
        if (v.startsWith("autogroup:")) {
            return autogroup(v, at, role);
        }
        if (v.contains("@")) {
            if (!isLogin(v)) {
                p.error(at, "\"" + v + "\" is not a valid user login", "users are written alice@example.com");
                return null;
            }
            return new Alias.User(v);
        }
        IpPrefix host = p.hosts.get(v);
        if (host != null) {
            return new Alias.Prefix(v, host);
        }
        IpPrefix pfx = prefix(v);
        if (pfx != null) {
            if ((role == Role.TEST_SRC || role == Role.TEST_DST) && pfx.bits() != (pfx.isIpv4() ? 32 : 128)) {
                p.error(at, "a test " + (role == Role.TEST_SRC ? "source" : "destination") + " must be one "
                        + "address, not the range " + v, null);
                return null;
            }
            return new Alias.Prefix(null, pfx);
        }
        if (v.startsWith("[") || v.indexOf(':') >= 0 || !v.isEmpty() && Character.isDigit(v.charAt(0))) {
            p.error(at, "\"" + v + "\" is not a valid IP address or CIDR", null);
            return null;
        }
        List<String> candidates = new ArrayList<>(p.hosts.keySet());
        candidates.addAll(p.groups.keySet());
        candidates.addAll(p.tagOwners.keySet());
        String hint = Hints.didYouMean(v, candidates);
        p.error(at, "\"" + v + "\" is not a host defined in hosts, a user, group, tag, IP or autogroup",
                hint != null ? hint : "users are written alice@example.com");
        return null;
    }

    private Alias autogroup(String v, Json at, Role role) {
        Alias.AutoKind kind = switch (v) {
            case "autogroup:member", "autogroup:members" -> Alias.AutoKind.MEMBER;
            case "autogroup:tagged" -> Alias.AutoKind.TAGGED;
            case "autogroup:self" -> Alias.AutoKind.SELF;
            case "autogroup:internet" -> Alias.AutoKind.INTERNET;
            case "autogroup:danger-all" -> Alias.AutoKind.DANGER_ALL;
            default -> null;
        };
        if (kind == null) {
            String hint = OWNER_AUTOGROUPS.contains(v) ? "Warren has no roles; list the users or a group"
                    : Hints.didYouMean(v, AUTOGROUPS);
            p.error(at, v + " is not supported", hint);
            return null;
        }
        boolean test = role == Role.TEST_SRC || role == Role.TEST_DST;
        boolean ok = switch (kind) {
            case MEMBER, TAGGED -> !test;
            case SELF, INTERNET -> role == Role.DST;
            case DANGER_ALL -> role == Role.SRC;
        };
        if (!ok) {
            String where = switch (role) {
                case SRC -> "a source";
                case DST -> "a destination";
                case TEST_SRC -> "a test source";
                case TEST_DST -> "a test destination";
            };
            String hint = kind == Alias.AutoKind.DANGER_ALL ? "use * for every destination"
                    : test ? "test a concrete user, tag, host or IP" : "it can only be used in dst";
            p.error(at, v + " cannot be " + where, hint);
            return null;
        }
        return new Alias.Auto(kind);
    }

    /** Splits {@code alias:ports} at the last colon; reports and returns null when malformed. */
    Model.Dst dst(Json.Str s, List<Integer> protocols, Role role) {
        String v = s.value();
        int colon = v.lastIndexOf(':');
        if (colon < 0 || (v.startsWith("[") && colon < v.indexOf(']'))) {
            p.error(s, "destination \"" + v + "\" has no port", "write " + v + ":* for all ports, or e.g. "
                    + v + ":22");
            return null;
        }
        String aliasText = v.substring(0, colon);
        String portText = v.substring(colon + 1);
        if (!portText.isEmpty() && !portText.startsWith("*") && !Character.isDigit(portText.charAt(0))) {
            p.error(s, "destination \"" + v + "\" has no port", "write " + v + ":* for all ports, or e.g. "
                    + v + ":22");
            return null;
        }
        Alias alias = alias(aliasText, s, role);
        List<Model.Ports> ports = ports(portText, s);
        if (alias == null || ports == null) {
            return null;
        }
        if (!protocols.isEmpty() && !Protocols.allHavePorts(protocols) && !ports.equals(List.of(Model.Ports.ALL))) {
            p.error(s, "destination \"" + v + "\" has ports but the rule's protocol has none",
                    "write " + aliasText + ":*");
            return null;
        }
        return new Model.Dst(alias, ports, v);
    }

    /** {@code *}, {@code 22}, {@code 80,443}, {@code 8000-8100}; reports and returns null when malformed. */
    List<Model.Ports> ports(String text, Json at) {
        if (text.equals("*")) {
            return List.of(Model.Ports.ALL);
        }
        List<Model.Ports> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            int dash = part.indexOf('-');
            int first = port(dash < 0 ? part : part.substring(0, dash));
            int last = dash < 0 ? first : port(part.substring(dash + 1));
            if (first < 0 || last < 0) {
                p.error(at, "bad port \"" + part + "\" in \"" + text + "\"",
                        "ports are *, a number 0-65535, a list 80,443 or a range 8000-8100");
                return null;
            }
            if (first > last) {
                p.error(at, "port range " + part + " is backwards", "write " + last + "-" + first);
                return null;
            }
            out.add(new Model.Ports(first, last));
        }
        return out;
    }

    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int n = Integer.parseInt(s);
        return n <= 65535 ? n : -1;
    }
}
