package dev.warren.filter;

import dev.warren.wire.filter.FilterRule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A point-in-time copy of a {@link PacketFilter}'s rules and counters, for {@code warren filter} and status.
 *
 * @param installed         whether control's filter is installed (false: deny-all until the first one arrives)
 * @param rules             the installed rules, in order
 * @param hits              packets admitted by a rule (not by connection tracking), by rule origin in rule order; cumulative
 *                          across filter changes since the node started
 * @param drops             dropped inbound packets by {@link DropReason#text()}, every reason listed in enum order
 * @param dropped           the sum of {@code drops}
 * @param acceptedTracked   inbound packets admitted because they belong to a tracked flow
 * @param acceptedFragments inbound later fragments passed (their first fragment was filtered)
 * @param trackedFlows      live entries of the flow table
 * @param flowCapacity      the flow table's size
 * @param flowEvictions     live flows evicted to make room for new ones
 * @param changes           how many times a filter was installed
 */
public record FilterSnapshot(boolean installed, List<FilterRule> rules, Map<String, Long> hits,
                             Map<String, Long> drops, long dropped, long acceptedTracked, long acceptedFragments,
                             int trackedFlows, int flowCapacity, long flowEvictions, long changes) {
    public FilterSnapshot {
        rules = List.copyOf(rules);
        hits = Collections.unmodifiableMap(new LinkedHashMap<>(hits));
        drops = Collections.unmodifiableMap(new LinkedHashMap<>(drops));
    }
}
