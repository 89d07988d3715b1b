package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code warren policy trace --domain NAME SRC DST:PORT [--proto P]}: asks the control server whether the domain's
 * policy allows that traffic, and by which rule, or which rules came close and why they did not match. Exit status:
 * 0 allowed, 1 denied, 2 the question could not be answered (unknown source or destination, server unreachable).
 */
@Command(name = "trace", description = "Trace traffic through a domain's access policy on the control server:"
        + " allowed (by which rule) or denied (and which rules came close). Exit status 0 allowed, 1 denied, 2 error.")
public final class PolicyTraceCommand implements Callable<Integer> {
    @Mixin
    AdminOptions admin;

    @Option(names = "--domain", required = true, paramLabel = "NAME", description = "The domain.")
    String domain;

    @Option(names = "--proto", paramLabel = "P", description = "IP protocol, by name (tcp, udp, icmp, ...) or number"
            + " (default: tcp).")
    String proto;

    @Parameters(index = "0", paramLabel = "SRC", description = "The source: a node name, user login, tag:NAME or IP.")
    String src;

    @Parameters(index = "1", paramLabel = "DST:PORT", description = "The destination node name or IP and port, e.g."
            + " web:443, 100.64.0.2:22 or [fd7a:115c:a1e0::2]:22.")
    String dst;

    /** {@code DST:PORT} split into host and port; IPv6 in brackets. */
    record Target(String host, int port) {
        static Target parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("'" + s + "' is not DST:PORT (e.g. web:443 or [fd7a::2]:22)");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("'" + s + "': write an IPv6 destination in brackets, [ADDR]:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': port '" + s.substring(colon + 1)
                        + "' is not a number");
            }
            if (port < 0 || port > 65535 || host.isEmpty()) {
                throw new IllegalArgumentException("'" + s + "': port must be within 0-65535 and the host non-empty");
            }
            return new Target(host, port);
        }
    }

    @Override
    public Integer call() {
        Target t;
        try {
            t = Target.parse(dst);
        } catch (IllegalArgumentException e) {
            System.err.println("warren policy trace: " + e.getMessage());
            return 2;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("src", src);
        body.put("dst", t.host());
        body.put("port", t.port());
        if (proto != null) {
            body.put("proto", proto);
        }
        JsonNode r;
        try {
            r = admin.client().post(PolicyCommand.path(domain) + "/trace", body);
        } catch (AdminClient.ApiException e) {
            JsonNode errors = e.error == null ? null : e.error.path("errors");
            if (errors != null && errors.isArray() && !errors.isEmpty()) {
                for (JsonNode x : errors) { // the offending argument (src, dst, port, proto), its problem, a hint
                    String hint = x.path("hint").isTextual() ? " (" + x.path("hint").asText() + ")" : "";
                    System.err.println("warren policy trace: " + x.path("file").asText() + ": "
                            + x.path("message").asText() + hint);
                }
            } else {
                System.err.println("warren policy trace: " + e.getMessage());
            }
            return 2;
        }
        boolean allowed = r.path("allowed").asBoolean();
        String what = src + " -> " + dst + "/" + (proto == null ? "tcp" : proto);
        if (allowed) {
            System.out.println("allowed: " + what + " by " + AdminCall.text(r, "decidingRule"));
        } else {
            System.out.println("denied: " + what);
        }
        if (r.path("nearMisses").isArray() && !r.path("nearMisses").isEmpty()) {
            System.out.println("rules that came close:");
            for (JsonNode m : r.path("nearMisses")) {
                System.out.println("  " + m.asText());
            }
        }
        String explanation = r.path("explanation").asText("");
        if (!explanation.isBlank()) {
            System.out.println(explanation);
        }
        return allowed ? 0 : 1;
    }
}
