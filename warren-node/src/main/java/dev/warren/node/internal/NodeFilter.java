package dev.warren.node.internal;

import dev.warren.filter.FilterSnapshot;
import dev.warren.filter.FilterTun;
import dev.warren.filter.PacketFilter;
import dev.warren.node.FilterStatus;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.datapath.TunDevice;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.time.Clock;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's side of the packet filter: wraps the TUN device in a {@link FilterTun} (so every data plane's inbound
 * packets pass it after decryption) and installs the rules of each map message.
 *
 * <pre>
 * start                       deny-all: no filter yet (replies of the node's own flows pass)
 * map with packetFilter       install it (full maps and deltas; null = unchanged; empty = deny all)
 * full map without one        stay as is; warn once (a server older than capability version 3 sends none)
 * logout / control refuses    back to deny-all, tracked flows forgotten
 * </pre>
 *
 * <p>Concurrency: the backend calls {@link #apply} and {@link #reset} under its lock; {@code warnedNoFilter} is
 * guarded by that lock too. The filter itself is thread-safe.
 */
public final class NodeFilter {
    private static final System.Logger LOG = System.getLogger("warren.node");

    private final PacketFilter filter;
    private final Clock clock;
    // guarded by the backend's lock
    private boolean warnedNoFilter;

    public NodeFilter(Clock clock) {
        this.clock = clock;
        this.filter = new PacketFilter(clock);
    }

    /** The decorator the engine must use instead of {@code tun}. */
    public TunDevice wrap(TunDevice tun) {
        return new FilterTun(tun, filter, clock);
    }

    /** Installs the map's filter, if it carries one. */
    public void apply(MapResponse m) {
        List<FilterRule> rules = m.packetFilter();
        if (rules != null) {
            filter.install(rules);
            LOG.log(System.Logger.Level.INFO, "packet filter: {0} rules from control", rules.size());
        } else if (m.isFull() && !filter.installed() && !warnedNoFilter) {
            warnedNoFilter = true;
            LOG.log(System.Logger.Level.WARNING, "control sent no packet filter (a server older than capability "
                    + "version 3?): every new inbound connection is denied; replies to this node's own flows pass");
        }
    }

    /** Back to deny-all, forgetting tracked flows (logout, or control no longer knows this node). */
    public void reset() {
        filter.clear();
        warnedNoFilter = false;
    }

    /** Every rule and counter, for {@code warren filter}. */
    public FilterSnapshot snapshot() {
        return filter.snapshot();
    }

    /** The summary for {@code warren status}. */
    public FilterStatus status() {
        FilterSnapshot s = filter.snapshot();
        Map<String, Long> drops = new LinkedHashMap<>();
        s.drops().forEach((k, v) -> {
            if (v > 0) {
                drops.put(k, v);
            }
        });
        return new FilterStatus(s.installed(), s.rules().size(), s.dropped(), drops, s.trackedFlows());
    }
}
