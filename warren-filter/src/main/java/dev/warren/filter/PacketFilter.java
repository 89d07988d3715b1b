package dev.warren.filter;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.time.Clock;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The node's stateful inbound packet filter: control's rules ({@link RuleMatcher}) plus connection tracking
 * ({@link ConnTracker}). Enforcement is at the destination: outbound packets are never dropped, only recorded.
 *
 * <pre>
 * outbound (host → tunnel, {@link Cursor#outbound})   TCP/UDP/SCTP by 5-tuple, ICMP echo requests by identifier,
 *                                                      other protocols by address pair: recorded or refreshed
 * inbound (tunnel → host, {@link Cursor#inbound})
 *   1. malformed → drop bad-packet
 *   2. a later fragment → pass (its first fragment, which carries the ports, was filtered: without it the host
 *      cannot reassemble the datagram); one at offset 8 → drop bad-fragment (it could rewrite TCP flags)
 *   3. TCP   tracked flow → pass (a pure SYN on a closing flow is judged as new);
 *            SYN without ACK that a rule admits → pass and track the connection, half-open (short timeout) until
 *            its next packet either way; a rule admits it but it is no SYN → drop tcp-not-syn; else drop no-rule
 *      UDP, SCTP, other protocols   tracked flow (a reply) → pass; a rule admits it → pass; else drop no-rule
 *      ICMP  echo reply of a tracked echo request → pass; an error quoting a packet of a tracked flow → pass;
 *            a rule admits ICMP → pass; else drop (icmp-error-untracked for errors, no-rule otherwise)
 *   before control's first filter, "no rule" is counted as no-filter
 * </pre>
 *
 * <p>Policy changes: {@link #install} swaps the compiled rules atomically (one volatile write); the flow table is
 * kept, so an established TCP session — and any tracked flow — survives a change, even one whose new policy no
 * longer admits it, until it closes or idles out. This is Tailscale's behaviour: a policy change does not cut a
 * running SSH session, and a revoked peer is cut off by removing it from the map (its key leaves the WireGuard
 * engine), not by the filter.
 *
 * <p>Concurrency: {@link #install}, {@link #clear} and {@link #snapshot} may be called from any thread. Packets
 * go through a {@link Cursor}, which holds parse scratch and must be used by one thread at a time (the TUN
 * reader has one; the writers share one under a lock). Counters are atomic; the flow table stripes its locks.
 * {@code retiredHits} is guarded by {@code installLock}.
 */
public final class PacketFilter {
    /**
     * Tunables.
     *
     * @param flowCapacity the flow table's size (rounded up to a power of two)
     * @param tcpIdle      how long an idle TCP connection stays tracked
     * @param tcpOpening   how long a TCP connection stays tracked after a SYN until another packet of it passes
     *                     (a half-open connection; a SYN flood's entries go first when the table is full)
     * @param tcpClosing   how long a TCP connection stays tracked after FIN or RST
     * @param udpIdle      how long an idle UDP (or SCTP) flow stays tracked
     * @param icmpIdle     how long an ICMP echo stays tracked
     * @param otherIdle    how long a flow of another protocol stays tracked
     */
    public record Options(int flowCapacity, Duration tcpIdle, Duration tcpOpening, Duration tcpClosing,
                          Duration udpIdle, Duration icmpIdle, Duration otherIdle) {
        public Options {
            if (flowCapacity < ConnTracker.WAYS || flowCapacity > (1 << 24)) {
                throw new IllegalArgumentException("flowCapacity " + flowCapacity + " is not within "
                        + ConnTracker.WAYS + ".." + (1 << 24));
            }
            for (Duration d : new Duration[]{tcpIdle, tcpOpening, tcpClosing, udpIdle, icmpIdle, otherIdle}) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("filter timeouts must be positive, got " + d);
                }
            }
        }

        /** 16,384 flows; TCP 2 h idle, 30 s half-open, 30 s after FIN/RST; UDP and others 2 min; ICMP echo 30 s. */
        public static Options defaults() {
            return new Options(16_384, Duration.ofHours(2), Duration.ofSeconds(30), Duration.ofSeconds(30),
                    Duration.ofMinutes(2), Duration.ofSeconds(30), Duration.ofMinutes(2));
        }
    }

    /** The compiled rules in force and their hit counters. */
    private record Installed(RuleMatcher matcher, AtomicLongArray hits) {
    }

    private static final Installed NONE = new Installed(RuleMatcher.compile(List.of()), new AtomicLongArray(0));
    private static final DropReason[] REASONS = DropReason.values();

    private final Clock clock;
    private final ConnTracker flows;
    private final long tcpIdle;
    private final long tcpOpening;
    private final long tcpClosing;
    private final long udpIdle;
    private final long icmpIdle;
    private final long otherIdle;
    // written under installLock; read without a lock by the packet threads (one volatile read per packet)
    private volatile Installed current = NONE;
    private final AtomicLongArray drops = new AtomicLongArray(REASONS.length);
    private final AtomicLong acceptedTracked = new AtomicLong();
    private final AtomicLong acceptedFragments = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final Object installLock = new Object();
    // guarded by installLock; hits of replaced rule sets, by origin
    private final Map<String, Long> retiredHits = new LinkedHashMap<>();

    public PacketFilter(Clock clock) {
        this(clock, Options.defaults());
    }

    public PacketFilter(Clock clock, Options options) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.flows = new ConnTracker(options.flowCapacity());
        this.tcpIdle = options.tcpIdle().toNanos();
        this.tcpOpening = options.tcpOpening().toNanos();
        this.tcpClosing = options.tcpClosing().toNanos();
        this.udpIdle = options.udpIdle().toNanos();
        this.icmpIdle = options.icmpIdle().toNanos();
        this.otherIdle = options.otherIdle().toNanos();
    }

    /**
     * Compiles and installs control's rules (first match wins; an empty list denies every new inbound flow).
     * Tracked flows are kept.
     */
    public void install(List<FilterRule> rules) {
        RuleMatcher m = RuleMatcher.compile(Objects.requireNonNull(rules, "rules"));
        synchronized (installLock) {
            retireLocked(current);
            current = new Installed(m, new AtomicLongArray(m.rules().size()));
            changes.incrementAndGet();
        }
    }

    /** Back to "no filter yet" (deny all new inbound flows) and forgets every tracked flow (a logout). */
    public void clear() {
        synchronized (installLock) {
            retireLocked(current);
            current = NONE;
        }
        flows.clear();
    }

    private void retireLocked(Installed old) {
        for (int i = 0; i < old.hits().length(); i++) {
            long n = old.hits().get(i);
            if (n != 0) {
                retiredHits.merge(old.matcher().origin(i), n, Long::sum);
            }
        }
    }

    /** Whether control's filter is installed. */
    public boolean installed() {
        return current != NONE;
    }

    /** The installed rules (empty before the first filter). */
    public List<FilterRule> rules() {
        return current.matcher().rules();
    }

    /** A new cursor: parse scratch for one thread at a time. */
    public Cursor newCursor() {
        return new Cursor();
    }

    /** The counters and rules now. */
    public FilterSnapshot snapshot() {
        Installed in;
        Map<String, Long> hits = new LinkedHashMap<>();
        synchronized (installLock) {
            in = current;
            for (int i = 0; i < in.matcher().rules().size(); i++) {
                hits.merge(in.matcher().origin(i), in.hits().get(i), Long::sum);
            }
            retiredHits.forEach((k, v) -> hits.merge(k, v, Long::sum));
        }
        Map<String, Long> d = new LinkedHashMap<>();
        long total = 0;
        for (DropReason r : REASONS) {
            long n = drops.get(r.ordinal());
            d.put(r.text(), n);
            total += n;
        }
        return new FilterSnapshot(in != NONE, in.matcher().rules(), hits, d, total, acceptedTracked.get(),
                acceptedFragments.get(), flows.live(clock.nanoTime()), flows.capacity(), flows.evictions(),
                changes.get());
    }

    /** Dropped packets for {@code reason} so far. */
    public long drops(DropReason reason) {
        return drops.get(reason.ordinal());
    }

    private long idleFor(int proto) {
        return switch (proto) {
            case 6 -> tcpIdle;
            case 17, 132, 136 -> udpIdle;
            case 1, 58 -> icmpIdle;
            default -> otherIdle;
        };
    }

    /**
     * Per-thread access to the filter: {@link #outbound} records flows, {@link #inbound} decides. Not thread-safe;
     * allocation-free.
     */
    public final class Cursor {
        private final PacketHeaders h = new PacketHeaders();

        private Cursor() {
        }

        /** The headers of the last packet this cursor looked at (for logging a drop). */
        public PacketHeaders headers() {
            return h;
        }

        /** Records the flow of a packet the host sends into the tunnel. Never drops. */
        public void outbound(PacketBuffer b) {
            if (!h.parse(b) || h.fragment == PacketHeaders.LATER_FRAGMENT) {
                return;
            }
            long now = clock.nanoTime();
            int lport;
            int rport;
            if (h.isIcmp()) {
                if (!h.isEchoRequest()) {
                    return;
                }
                lport = h.icmpId;
                rport = 0;
            } else {
                lport = h.srcPort;
                rport = h.dstPort;
            }
            boolean tcp = h.proto == 6;
            boolean closing = tcp && (h.tcpFlags & (PacketHeaders.FIN | PacketHeaders.RST)) != 0;
            boolean syn = tcp && (h.tcpFlags & PacketHeaders.SYN) != 0;
            boolean pureSyn = syn && (h.tcpFlags & PacketHeaders.ACK) == 0;
            flows.track(ConnTracker.key(h.family, h.proto, lport, rport), h.srcHi, h.srcLo, h.dstHi, h.dstLo, now,
                    pureSyn ? tcpOpening : idleFor(h.proto), closing, syn, tcpClosing);
        }

        /**
         * Decides on a packet arriving from the tunnel for the host: null to deliver it, else why it is dropped
         * (already counted).
         */
        public DropReason inbound(PacketBuffer b) {
            if (!h.parse(b)) {
                return drop(DropReason.BAD_PACKET);
            }
            if (h.fragment == PacketHeaders.LATER_FRAGMENT) {
                if (h.fragmentOffset < 16) {
                    return drop(DropReason.BAD_FRAGMENT);
                }
                acceptedFragments.incrementAndGet();
                return null;
            }
            Installed in = current;
            long now = clock.nanoTime();
            if (h.proto == 6) {
                return tcp(in, now);
            }
            if (h.isIcmp()) {
                return icmp(in, now);
            }
            if (tracked(h.proto, h.dstPort, h.srcPort, now, false) != ConnTracker.MISS) {
                acceptedTracked.incrementAndGet();
                return null;
            }
            return byRule(in);
        }

        private DropReason tcp(Installed in, long now) {
            int flags = h.tcpFlags;
            boolean closing = (flags & (PacketHeaders.FIN | PacketHeaders.RST)) != 0;
            boolean pureSyn = (flags & (PacketHeaders.SYN | PacketHeaders.ACK)) == PacketHeaders.SYN;
            int state = tracked(6, h.dstPort, h.srcPort, now, closing);
            if (state == ConnTracker.OPEN || (state == ConnTracker.CLOSING_FLOW && !pureSyn)) {
                acceptedTracked.incrementAndGet();
                return null;
            }
            int r = in.matcher().match(h);
            if (r < 0) {
                return drop(in == NONE ? DropReason.NO_FILTER : DropReason.NO_RULE);
            }
            if (!pureSyn) {
                return drop(DropReason.TCP_NOT_SYN);
            }
            in.hits().incrementAndGet(r);
            flows.track(ConnTracker.key(h.family, 6, h.dstPort, h.srcPort), h.dstHi, h.dstLo, h.srcHi, h.srcLo, now,
                    tcpOpening, false, true, tcpClosing); // half-open until the next packet of it passes
            return null;
        }

        private DropReason icmp(Installed in, long now) {
            if (h.isEchoReply() && tracked(h.proto, h.icmpId, 0, now, false) != ConnTracker.MISS) {
                acceptedTracked.incrementAndGet();
                return null;
            }
            if (h.isIcmpError() && h.hasQuoted && quotedTracked(now)) {
                acceptedTracked.incrementAndGet();
                return null;
            }
            int r = in.matcher().match(h);
            if (r >= 0) {
                in.hits().incrementAndGet(r);
                return null;
            }
            if (in == NONE) {
                return drop(DropReason.NO_FILTER);
            }
            return drop(h.isIcmpError() ? DropReason.ICMP_ERROR_UNTRACKED : DropReason.NO_RULE);
        }

        /** The quoted packet is one this node sent: its source is the local side. */
        private boolean quotedTracked(long now) {
            PacketHeaders q = h.quoted();
            if (q.family != h.family) {
                return false;
            }
            int lport;
            int rport;
            if (q.isIcmp()) {
                if (!q.isEchoRequest()) {
                    return false;
                }
                lport = q.icmpId;
                rport = 0;
            } else {
                lport = q.srcPort;
                rport = q.dstPort;
            }
            return flows.lookup(ConnTracker.key(q.family, q.proto, lport, rport), q.srcHi, q.srcLo, q.dstHi, q.dstLo,
                    now, false, 0, false, 0) != ConnTracker.MISS;
        }

        private DropReason byRule(Installed in) {
            int r = in.matcher().match(h);
            if (r >= 0) {
                in.hits().incrementAndGet(r);
                return null;
            }
            return drop(in == NONE ? DropReason.NO_FILTER : DropReason.NO_RULE);
        }

        /** Looks up the inbound packet's flow from the local side (local = its destination) and refreshes it. */
        private int tracked(int proto, int lport, int rport, long now, boolean closing) {
            return flows.lookup(ConnTracker.key(h.family, proto, lport, rport), h.dstHi, h.dstLo, h.srcHi, h.srcLo,
                    now, true, idleFor(proto), closing, tcpClosing);
        }

        private DropReason drop(DropReason r) {
            drops.incrementAndGet(r.ordinal());
            return r;
        }
    }
}
