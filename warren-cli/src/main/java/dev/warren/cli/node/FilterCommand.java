package dev.warren.cli.node;

import dev.warren.filter.FilterSnapshot;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code warren filter}: the node's inbound packet filter — control's rules, hits and drop counters. */
@Command(name = "filter", mixinStandardHelpOptions = true,
        description = {"Show this node's inbound packet filter: the rules control compiled from the access policy,"
                + " how many packets each admitted, the drops by reason and the tracked flows.",
                "Replies to this node's own connections always pass; new inbound connections need a rule."})
public final class FilterCommand extends ClientOptions {
    @Option(names = "--json", description = "Print rules and counters as JSON (\"rules\", \"hits\", \"drops\", ...).")
    boolean json;

    @Override
    int run() throws IOException {
        FilterSnapshot s = client().filter();
        if (json) {
            System.out.println(ControlJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            return 0;
        }
        System.out.print(format(s));
        return 0;
    }

    static String format(FilterSnapshot s) {
        StringBuilder out = new StringBuilder();
        if (!s.installed()) {
            out.append("No packet filter from control yet: every new inbound connection is denied.\n");
        } else if (s.rules().isEmpty()) {
            out.append("Packet filter: no rules (control's policy lets nobody connect to this node).\n");
        } else {
            out.append("Packet filter: ").append(s.rules().size()).append(s.rules().size() == 1 ? " rule" : " rules")
                    .append(" from control.\n\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"ORIGIN", "SOURCES", "PROTO", "DESTINATIONS", "HITS"});
            Map<String, Long> hits = s.hits();
            for (int i = 0; i < s.rules().size(); i++) {
                FilterRule r = s.rules().get(i);
                String origin = r.origin().isEmpty() ? "rule " + i : r.origin();
                rows.add(new String[]{origin, sources(r.sources()), protocols(r.protocols()),
                        r.destinations().stream().map(PortRange::toString).collect(Collectors.joining(", ")),
                        Long.toString(hits.getOrDefault(origin, 0L))});
            }
            TextTable.append(out, rows);
        }
        out.append('\n');
        String drops = s.drops().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        out.append("Dropped: ").append(s.dropped()).append(drops.isEmpty() ? "" : " (" + drops + ")").append('\n');
        out.append("Passed as replies or tracked connections: ").append(s.acceptedTracked())
                .append("; later fragments: ").append(s.acceptedFragments()).append('\n');
        out.append("Tracked flows: ").append(s.trackedFlows()).append(" of ").append(s.flowCapacity())
                .append(s.flowEvictions() > 0 ? " (" + s.flowEvictions() + " evicted)" : "").append('\n');
        return out.toString();
    }

    private static String sources(List<IpPrefix> p) {
        List<String> out = new ArrayList<>();
        for (IpPrefix x : p) {
            boolean host = x.bits() == (x.isIpv4() ? 32 : 128);
            out.add(x.bits() == 0 ? "*" + (x.isIpv4() ? "(v4)" : "(v6)") : host ? x.toString().replaceAll("/\\d+$", "")
                    : x.toString());
        }
        return String.join(", ", out);
    }

    private static String protocols(List<Integer> ps) {
        if (ps.isEmpty()) {
            return "*";
        }
        return ps.stream().map(p -> switch (p) {
            case FilterRule.TCP -> "tcp";
            case FilterRule.UDP -> "udp";
            case FilterRule.ICMP -> "icmp";
            case FilterRule.ICMPV6 -> "icmpv6";
            case 132 -> "sctp";
            default -> Integer.toString(p);
        }).collect(Collectors.joining(","));
    }
}
