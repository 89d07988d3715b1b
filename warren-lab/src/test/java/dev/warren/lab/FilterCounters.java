package dev.warren.lab;

import dev.warren.testing.lab.MeshLab;
import dev.warren.testing.lab.Netns;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a lab node's packet filter counters through the CLI ({@code warren filter --json}), as a user would. */
final class FilterCounters {
    private static final Pattern DROPPED = Pattern.compile("\"dropped\"\\s*:\\s*(\\d+)");

    private FilterCounters() {
    }

    /** The number of inbound packets the node's filter dropped since the daemon started. */
    static long dropped(MeshLab.Node n) throws IOException {
        Netns.Result r = n.cli("filter", "--json");
        if (!r.ok()) {
            throw new IOException("warren filter --json on " + n.name() + " failed: " + r.output().strip());
        }
        Matcher m = DROPPED.matcher(r.output());
        if (!m.find()) {
            throw new IOException("warren filter --json on " + n.name() + " printed no \"dropped\": " + r.output());
        }
        return Long.parseLong(m.group(1));
    }
}
