package dev.warren.policy.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one entry of {@code acls}, {@code grants} or {@code tests} into {@link Model} rules or a test case,
 * reporting problems to the {@link PolicyParser}. ACL fields: {@code action} (must be "accept"), {@code src}
 * (or legacy {@code users}), {@code dst} (or legacy {@code ports}), optional {@code proto}. Grant fields:
 * {@code src}, {@code dst} (aliases without ports), {@code ip} and/or {@code app} ({@code app} is accepted and has
 * no network effect). Test fields: {@code src}, optional {@code proto}, {@code accept}, {@code deny}.
 */
final class RuleParser {
    private static final List<String> ACL_FIELDS = List.of("action", "src", "dst", "proto", "users", "ports");
    private static final List<String> GRANT_FIELDS = List.of("src", "dst", "ip", "app");
    private static final List<String> TEST_FIELDS = List.of("src", "proto", "accept", "deny");

    private final PolicyParser p;
    private final AliasParser aliases;
    /** Fields an unknown field was reported as a likely misspelling of; not reported again as missing. */
    private final java.util.Set<String> suggested = new java.util.HashSet<>();

    RuleParser(PolicyParser p, AliasParser aliases) {
        this.p = p;
        this.aliases = aliases;
    }

    private Map<String, Json.Member> fields(Json.Obj o, List<String> allowed, String what) {
        Map<String, Json.Member> out = new LinkedHashMap<>();
        for (Json.Member m : o.members()) {
            if (allowed.contains(m.key())) {
                out.put(m.key(), m);
            } else if (m.key().equals("srcPosture") || m.key().equals("via")) {
                p.error(m.line(), m.column(), what + ": \"" + m.key() + "\" is not supported by Warren",
                        m.key().equals("via") ? "Warren has no subnet routers or exit nodes yet"
                                : "Warren has no device posture");
            } else {
                String close = switch (m.key()) {
                    case "source", "sources" -> "src";
                    case "destination", "destinations", "dest" -> "dst";
                    case "protocol" -> "proto";
                    default -> Hints.closest(m.key(), allowed);
                };
                close = close != null && allowed.contains(close) ? close : null;
                if (close != null) {
                    suggested.add(close);
                }
                p.error(m.line(), m.column(), what + ": unknown field \"" + m.key() + "\"",
                        close == null ? null : "did you mean " + close + "?");
            }
        }
        return out;
    }

    private Json.Member pick(Map<String, Json.Member> f, String name, String legacy, Json.Obj o, String what) {
        Json.Member m = f.get(name);
        Json.Member l = legacy == null ? null : f.get(legacy);
        if (m != null && l != null) {
            p.error(l.line(), l.column(), what + ": both \"" + name + "\" and its old name \"" + legacy + "\"",
                    "keep only \"" + name + "\"");
        }
        if (m == null) {
            m = l;
        }
        if (m == null && !suggested.contains(name)) {
            p.error(o, what + ": missing \"" + name + "\"", null);
        }
        return m;
    }

    private List<Integer> proto(Json v, String what) {
        String text = switch (v) {
            case Json.Str s -> s.value();
            case Json.Num n -> n.text();
            default -> null;
        };
        List<Integer> protos = text == null ? null : Protocols.parse(text);
        if (protos == null) {
            p.error(v, what + ": unknown protocol " + (text == null ? v.kind() : "\"" + text + "\""),
                    text == null ? "write a name such as \"tcp\" or a number 1-255"
                            : Hints.didYouMean(text, Protocols.NAMES.keySet()));
        }
        return protos;
    }

    void acl(String origin, Json.Obj o, List<Model.Rule> out) {
        Map<String, Json.Member> f = fields(o, ACL_FIELDS, origin);
        Json.Member action = f.get("action");
        if (action == null) {
            p.error(o, origin + ": missing \"action\"", "write \"action\": \"accept\"");
        } else if (!(action.value() instanceof Json.Str a) || !a.value().equals("accept")) {
            p.error(action.value(), origin + ": action " + text(action.value()) + " is not \"accept\"",
                    "policies only allow; whatever no rule accepts is denied");
        }
        List<Integer> protos = List.of();
        if (f.get("proto") instanceof Json.Member pm) {
            List<Integer> parsed = proto(pm.value(), origin);
            protos = parsed == null ? null : parsed;
        }
        Json.Member srcM = pick(f, "src", "users", o, origin);
        Json.Member dstM = pick(f, "dst", "ports", o, origin);
        List<Alias> srcs = srcM == null ? null : srcs(srcM.value(), origin);
        if (dstM == null || protos == null) {
            return;
        }
        List<Model.Dst> dsts = new ArrayList<>();
        List<Json.Str> dstStrings = p.strings(dstM.value(), origin + " dst");
        for (Json.Str s : dstStrings) {
            Model.Dst d = aliases.dst(s, protos, AliasParser.Role.DST);
            if (d != null) {
                dsts.add(d);
            }
        }
        if (dstStrings.isEmpty() && dstM.value() instanceof Json.Arr) {
            p.error(dstM.value(), origin + ": \"dst\" is empty", null);
        }
        if (srcs == null) {
            return;
        }
        emit(origin, srcs, protos, dsts, dstStrings, out);
    }

    void grant(String origin, Json.Obj o, List<Model.Rule> out) {
        Map<String, Json.Member> f = fields(o, GRANT_FIELDS, origin);
        Json.Member srcM = pick(f, "src", null, o, origin);
        Json.Member dstM = pick(f, "dst", null, o, origin);
        Json.Member ipM = f.get("ip");
        if (ipM == null && !f.containsKey("app")) {
            p.error(o, origin + ": a grant needs \"ip\" or \"app\"", "e.g. \"ip\": [\"tcp:443\"]");
        }
        List<Alias> srcs = srcM == null ? null : srcs(srcM.value(), origin);
        List<Alias> dstAliases = new ArrayList<>();
        List<Json.Str> dstStrings = dstM == null ? List.of() : p.strings(dstM.value(), origin + " dst");
        for (Json.Str s : dstStrings) {
            if (s.value().startsWith("tag:") && s.value().indexOf(':', 4) > 0 || s.value().endsWith(":*")) {
                p.error(s, origin + ": grant destination \"" + s.value() + "\" has a port",
                        "grants put ports in \"ip\", e.g. \"ip\": [\"tcp:22\"]");
                continue;
            }
            Alias a = aliases.alias(s.value(), s, AliasParser.Role.DST);
            if (a != null) {
                dstAliases.add(a);
            }
        }
        if (dstM != null && dstStrings.isEmpty() && dstM.value() instanceof Json.Arr) {
            p.error(dstM.value(), origin + ": \"dst\" is empty", null);
        }
        // ip entries grouped by protocol set, in order of first appearance
        Map<List<Integer>, List<Model.Ports>> byProto = new LinkedHashMap<>();
        boolean ipOk = true;
        if (ipM != null) {
            List<Json.Str> ips = p.strings(ipM.value(), origin + " ip");
            if (ips.isEmpty() && ipM.value() instanceof Json.Arr) {
                p.error(ipM.value(), origin + ": \"ip\" is empty", null);
            }
            for (Json.Str s : ips) {
                ipOk &= ipEntry(origin, s, byProto);
            }
        }
        if (srcs == null || !ipOk || srcM == null || dstM == null) {
            return;
        }
        for (Map.Entry<List<Integer>, List<Model.Ports>> e : byProto.entrySet()) {
            List<Model.Dst> dsts = new ArrayList<>();
            for (Alias a : dstAliases) {
                dsts.add(new Model.Dst(a, e.getValue(), a.text()));
            }
            emit(origin, srcs, e.getKey(), dsts, dstStrings, out);
        }
    }

    /** {@code *}, {@code 443}, {@code tcp:443}, {@code udp:53}, {@code icmp:*}, {@code 6:22}, ranges and lists. */
    private boolean ipEntry(String origin, Json.Str s, Map<List<Integer>, List<Model.Ports>> byProto) {
        String v = s.value();
        int colon = v.indexOf(':');
        List<Integer> protos = List.of();
        String portText = v;
        if (colon >= 0) {
            protos = Protocols.parse(v.substring(0, colon));
            if (protos == null) {
                p.error(s, origin + ": unknown protocol \"" + v.substring(0, colon) + "\" in \"" + v + "\"",
                        Hints.didYouMean(v.substring(0, colon), Protocols.NAMES.keySet()));
                return false;
            }
            portText = v.substring(colon + 1);
        } else if (Protocols.parse(v) != null && !v.chars().allMatch(Character::isDigit)) {
            p.error(s, origin + ": \"" + v + "\" has no ports", "write " + v + ":*");
            return false;
        }
        List<Model.Ports> ports = aliases.ports(portText, s);
        if (ports == null) {
            return false;
        }
        if (!protos.isEmpty() && !Protocols.allHavePorts(protos) && !ports.equals(List.of(Model.Ports.ALL))) {
            p.error(s, origin + ": protocol " + v.substring(0, colon) + " has no ports", "write "
                    + v.substring(0, colon) + ":*");
            return false;
        }
        List<Model.Ports> list = byProto.computeIfAbsent(protos, k -> new ArrayList<>());
        for (Model.Ports pt : ports) {
            if (!list.contains(pt)) {
                list.add(pt);
            }
        }
        return true;
    }

    private List<Alias> srcs(Json v, String origin) {
        List<Json.Str> strs = p.strings(v, origin + " src");
        if (strs.isEmpty() && v instanceof Json.Arr) {
            p.error(v, origin + ": \"src\" is empty", null);
        }
        List<Alias> out = new ArrayList<>();
        boolean ok = true;
        for (Json.Str s : strs) {
            Alias a = aliases.alias(s.value(), s, AliasParser.Role.SRC);
            if (a == null) {
                ok = false;
            } else {
                out.add(a);
            }
        }
        return ok && v instanceof Json.Arr ? out : null;
    }

    /** Splits autogroup:self destinations into their own rule and checks their sources. */
    private void emit(String origin, List<Alias> srcs, List<Integer> protos, List<Model.Dst> dsts,
                      List<Json.Str> dstStrings, List<Model.Rule> out) {
        List<Model.Dst> normal = new ArrayList<>();
        List<Model.Dst> self = new ArrayList<>();
        for (Model.Dst d : dsts) {
            if (d.alias() instanceof Alias.Auto(Alias.AutoKind k) && k == Alias.AutoKind.SELF) {
                self.add(d);
            } else {
                normal.add(d);
            }
        }
        if (!self.isEmpty()) {
            for (Alias a : srcs) {
                boolean ok = a instanceof Alias.User || a instanceof Alias.Group
                        || a instanceof Alias.Auto(Alias.AutoKind k) && k == Alias.AutoKind.MEMBER;
                if (!ok) {
                    Json.Str at = dstStrings.stream().filter(s -> s.value().startsWith("autogroup:self"))
                            .findFirst().orElse(dstStrings.getFirst());
                    p.error(at, origin + ": autogroup:self cannot be used with source " + a.text(),
                            "autogroup:self only works with users, groups or autogroup:member as sources");
                    return;
                }
            }
        }
        if (!normal.isEmpty()) {
            out.add(new Model.Rule(origin, srcs, protos, normal, false));
        }
        if (!self.isEmpty()) {
            out.add(new Model.Rule(origin, srcs, protos, self, true));
        }
    }

    Model.TestCase test(int index, Json.Obj o) {
        String what = "tests[" + index + "]";
        Map<String, Json.Member> f = fields(o, TEST_FIELDS, what);
        Json.Member srcM = pick(f, "src", null, o, what);
        Alias src = null;
        if (srcM != null) {
            if (srcM.value() instanceof Json.Str s) {
                src = aliases.alias(s.value(), s, AliasParser.Role.TEST_SRC);
            } else {
                p.error(srcM.value(), what + ": \"src\" must be one string, not " + srcM.value().kind(), null);
            }
        }
        List<Integer> protos = List.of();
        if (f.get("proto") instanceof Json.Member pm) {
            protos = proto(pm.value(), what);
        }
        if (!f.containsKey("accept") && !f.containsKey("deny")) {
            p.error(o, what + ": a test needs \"accept\" or \"deny\"", null);
        }
        List<Model.TestEntry> accept = entries(f.get("accept"), what + " accept");
        List<Model.TestEntry> deny = entries(f.get("deny"), what + " deny");
        if (src == null || protos == null || accept == null || deny == null) {
            return null;
        }
        return new Model.TestCase(index, src, protos, accept, deny, o.line(), o.column());
    }

    private List<Model.TestEntry> entries(Json.Member m, String what) {
        if (m == null) {
            return List.of();
        }
        List<Model.TestEntry> out = new ArrayList<>();
        boolean ok = m.value() instanceof Json.Arr;
        for (Json.Str s : p.strings(m.value(), what)) {
            Model.Dst d = aliases.dst(s, List.of(), AliasParser.Role.TEST_DST);
            if (d == null) {
                ok = false;
                continue;
            }
            if (d.ports().size() != 1 || d.ports().getFirst().first() != d.ports().getFirst().last()) {
                p.error(s, what + ": \"" + s.value() + "\" must name one port", "e.g. " + d.alias().text() + ":22");
                ok = false;
                continue;
            }
            out.add(new Model.TestEntry(s.value(), d.alias(), d.ports().getFirst().first(), s.line(), s.column()));
        }
        return ok ? out : null;
    }

    private static String text(Json v) {
        return v instanceof Json.Str s ? "\"" + s.value() + "\"" : v.kind();
    }
}
