package dev.warren.node.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The host's underlay addresses: interfaces that are up, without loopback, link-local IPv6, Warren's own
 * ranges (100.64.0.0/10 and fd7a:115c:a1e0::/48) and the node's TUN interface; IPv4 first.
 */
public final class LocalAddresses {
    private LocalAddresses() {
    }

    public static List<InetAddress> list(String excludeInterface) {
        List<InetAddress> v4 = new ArrayList<>();
        List<InetAddress> v6 = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback() || ni.getName().equals(excludeInterface)) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isMulticastAddress() || isWarren(a)) {
                        continue;
                    }
                    (a instanceof Inet4Address ? v4 : v6).add(a);
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        v4.addAll(v6);
        return v4;
    }

    /** True for 100.64.0.0/10 and fd7a:115c:a1e0::/48. */
    public static boolean isWarren(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        }
        return a instanceof Inet6Address && (b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x7a && (b[2] & 0xff) == 0x11
                && (b[3] & 0xff) == 0x5c && (b[4] & 0xff) == 0xa1 && (b[5] & 0xff) == 0xe0;
    }

    /** The endpoint text control expects: {@code a.b.c.d:port} or {@code [v6]:port}. */
    public static String endpoint(InetAddress a, int port) {
        String host = a.getHostAddress();
        int pct = host.indexOf('%');
        if (pct >= 0) {
            host = host.substring(0, pct);
        }
        return a instanceof Inet6Address ? "[" + host + "]:" + port : host + ":" + port;
    }
}
