package dev.warren.cli.node;

import dev.warren.node.BackendState;
import dev.warren.node.FilterStatus;
import dev.warren.node.PeerInfo;
import dev.warren.node.Status;
import dev.warren.wire.control.ControlJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code warren status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show this node and its peers (like `tailscale status`).",
                "PATH is how packets reach a peer now: 'direct IP:PORT', 'relay CODE' (through that relay region)"
                        + " or '-' (no working path yet)."})
public final class StatusCommand extends ClientOptions {
    @Option(names = "--json", description = "Print the full status as JSON (each peer's \"path\", \"discoKey\","
            + " \"homeRelay\"; this node's \"discoKey\", \"homeRelay\", the \"relayMap\" and the packet"
            + " \"filter\" summary; `warren filter --json` has every rule and counter).")
    boolean json;

    @Override
    int run() throws IOException {
        Status s = client().status();
        if (json) {
            System.out.println(ControlJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            return 0;
        }
        System.out.print(format(s, Instant.now()));
        return s.state() == BackendState.Running ? 0 : 1;
    }

    /** The table: a state line, then one row for this node and one per peer. */
    static String format(Status s, Instant now) {
        StringBuilder out = new StringBuilder();
        switch (s.state()) {
            case NeedsLogin -> out.append(s.authUrl() != null ? "Logged out. To authenticate, visit: " + s.authUrl()
                    : "Logged out. Log in with: warren up --login-server URL").append('\n');
            case Stopped -> out.append("Warren is stopped. Start it with: warren up --login-server ")
                    .append(s.loginServer()).append('\n');
            case Starting -> out.append(s.authUrl() != null ? "Starting; to authenticate, visit: " + s.authUrl()
                    : "Starting: waiting for control at " + s.loginServer()).append('\n');
            case Running -> {
                if (!s.controlConnected()) {
                    out.append("# Control at ").append(s.loginServer())
                            .append(" is unreachable; connections to known peers keep working.\n");
                }
            }
        }
        if (s.state() != BackendState.Running && s.peers().isEmpty()) {
            return out.toString();
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"ADDRESS", "ADDRESS6", "NAME", "ONLINE", "PATH", "ENDPOINT", "HANDSHAKE", "RX", "TX"});
        rows.add(new String[]{v(s.selfAddresses(), false), v(s.selfAddresses(), true), s.selfName() + " (this node)",
                "-", home(s), "-", "-", "-", "-"});
        for (PeerInfo p : s.peers()) {
            rows.add(new String[]{v(p.addresses(), false), v(p.addresses(), true), p.name(),
                    p.online() ? "yes" : "no", p.path() == null || p.path().isBlank() ? "-" : p.path(),
                    p.currentEndpoint() == null ? "-" : p.currentEndpoint(),
                    ago(p.lastHandshake(), now), bytes(p.rxBytes()), bytes(p.txBytes())});
        }
        TextTable.append(out, rows);
        String filter = filterLine(s.filter());
        if (filter != null) {
            out.append(filter).append('\n');
        }
        return out.toString();
    }

    /** "# Filter: 3 rules; 12 dropped (no-rule 12); 4 flows tracked. Details: warren filter", or null. */
    static String filterLine(FilterStatus f) {
        if (f == null) {
            return null;
        }
        StringBuilder b = new StringBuilder("# Filter: ");
        if (!f.installed()) {
            b.append("none from control yet, new inbound connections denied");
        } else {
            b.append(f.rules()).append(f.rules() == 1 ? " rule" : " rules");
        }
        b.append("; ").append(f.dropped()).append(" dropped");
        if (!f.drops().isEmpty()) {
            b.append(" (").append(new java.util.TreeMap<>(f.drops()).entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")))
                    .append(')');
        }
        return b.append("; ").append(f.trackedFlows()).append(" flows tracked. Details: warren filter").toString();
    }

    /** This node's PATH cell: its home relay ("home fra"), or "-" without one. */
    private static String home(Status s) {
        if (s.homeRelay() == 0) {
            return "-";
        }
        var region = s.relayMap() == null ? null : s.relayMap().region(s.homeRelay());
        return "home " + (region != null ? region.code() : "region-" + s.homeRelay());
    }

    private static String v(List<String> addrs, boolean six) {
        return addrs.stream().filter(a -> a.contains(":") == six).findFirst().orElse("-");
    }

    static String ago(Instant t, Instant now) {
        if (t == null) {
            return "never";
        }
        long s = Math.max(0, Duration.between(t, now).toSeconds());
        if (s < 120) {
            return s + "s ago";
        }
        if (s < 7200) {
            return s / 60 + "m ago";
        }
        if (s < 172800) {
            return s / 3600 + "h ago";
        }
        return s / 86400 + "d ago";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
