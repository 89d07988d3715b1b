package dev.warren.node;

import java.util.Map;

/**
 * The packet filter at a glance, for {@code warren status}; {@code warren filter} shows the rules and every counter.
 *
 * @param installed    whether control's filter is in force (false: no filter yet, every new inbound flow denied)
 * @param rules        the number of rules in force
 * @param dropped      inbound packets dropped since the node started
 * @param drops        the drops by reason ({@code "no-rule"}, {@code "tcp-not-syn"}, ...), only reasons with drops
 * @param trackedFlows flows in the connection-tracking table now
 */
public record FilterStatus(boolean installed, int rules, long dropped, Map<String, Long> drops, int trackedFlows) {
    public FilterStatus {
        drops = drops == null ? Map.of() : Map.copyOf(drops);
    }
}
