package dev.warren.magicsock.disco;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Path scoring: is a newly measured direct address better than the current best? (FIELD §3.5 {@code betterAddr}.)
 *
 * <p>Points: the percentage by which the faster of the two is faster than the slower one goes to the faster; then
 * +50 for loopback, +30 link-local, +20 private (RFC 1918, RFC 4193 ULA, 100.64/10 CGNAT is not private here),
 * +10 for IPv6. The candidate wins only with more than {@link #HYSTERESIS_POINTS} points above the current best, so
 * two paths of nearly equal latency do not flap. An address never beats itself.
 */
public final class AddrScore {
    /** A switch needs strictly more than this many points of advantage. */
    public static final int HYSTERESIS_POINTS = 1;

    private AddrScore() {
    }

    /** A measured direct address: where, and its round-trip latency in nanoseconds. */
    public record Measured(InetSocketAddress addr, long latencyNanos) {
    }

    /** True when {@code candidate} should replace {@code current} (null current: always). */
    public static boolean better(Measured candidate, Measured current) {
        if (current == null) {
            return true;
        }
        if (candidate.addr().equals(current.addr())) {
            return false;
        }
        double a = points(candidate.addr());
        double b = points(current.addr());
        long la = Math.max(1, candidate.latencyNanos());
        long lb = Math.max(1, current.latencyNanos());
        if (la < lb) {
            a += 100.0 * (lb - la) / lb;
        } else if (lb < la) {
            b += 100.0 * (la - lb) / la;
        }
        return a > b + HYSTERESIS_POINTS;
    }

    /** The address-kind points of {@code a} (loopback, link-local, private, IPv6 bonuses). */
    public static int points(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        int p = 0;
        if (ip.isLoopbackAddress()) {
            p += 50;
        } else if (ip.isLinkLocalAddress()) {
            p += 30;
        } else if (isPrivate(ip)) {
            p += 20;
        }
        if (ip instanceof Inet6Address) {
            p += 10;
        }
        return p;
    }

    private static boolean isPrivate(InetAddress ip) {
        if (ip.isSiteLocalAddress()) {
            return true;
        }
        byte[] b = ip.getAddress();
        return b.length == 16 && (b[0] & 0xFE) == 0xFC;
    }
}
