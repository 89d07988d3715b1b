package dev.warren.wire.datapath;

import dev.warren.wire.net.IpAddresses;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An immutable UDP endpoint: an IPv4 or IPv6 address (with an optional IPv6 scope id) and a port. Received
 * packets carry their source in a {@link PacketBuffer}'s mutable address slot; {@link #matches} compares
 * without allocating, so a peer's endpoint object is only replaced when the peer really roams.
 */
public final class Endpoint {
    private final byte[] ip;
    private final int port;
    private final int scopeId;
    private final int hash;

    private Endpoint(byte[] ip, int port, int scopeId) {
        if (ip.length != 4 && ip.length != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range");
        }
        this.ip = ip;
        this.port = port;
        this.scopeId = scopeId;
        this.hash = Arrays.hashCode(ip) * 31 + port;
    }

    public static Endpoint of(byte[] ip, int port) {
        return new Endpoint(ip.clone(), port, 0);
    }

    public static Endpoint of(byte[] ip, int ipOff, int ipLen, int port, int scopeId) {
        return new Endpoint(Arrays.copyOfRange(ip, ipOff, ipOff + ipLen), port, ipLen == 16 ? scopeId : 0);
    }

    public static Endpoint of(InetSocketAddress a) {
        InetAddress addr = a.getAddress();
        if (addr == null) {
            throw new IllegalArgumentException("unresolved endpoint " + a);
        }
        int scope = addr instanceof Inet6Address v6 ? v6.getScopeId() : 0;
        return new Endpoint(addr.getAddress(), a.getPort(), scope);
    }

    /**
     * Parses {@code A.B.C.D:PORT}, {@code [V6]:PORT} or {@code [V6%SCOPE]:PORT} (numeric scope id or interface
     * name). Host names are refused: resolving them is the caller's job, as the {@code wg} tool does.
     */
    public static Endpoint parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("missing endpoint");
        }
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("endpoint \"" + text + "\" must look like [ADDRESS]:PORT");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("endpoint \"" + text + "\" must look like ADDRESS:PORT");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        int scope = 0;
        int pct = host.indexOf('%');
        if (pct >= 0) {
            scope = parseScope(host.substring(pct + 1), text);
            host = host.substring(0, pct);
        }
        byte[] ip = IpAddresses.tryParse(host);
        if (ip == null) {
            throw new IllegalArgumentException("endpoint \"" + text + "\" does not hold an IP address");
        }
        if (text.startsWith("[") != (ip.length == 16)) {
            throw new IllegalArgumentException("endpoint \"" + text + "\": IPv6 addresses need brackets, IPv4 none");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint \"" + text + "\" has a bad port");
        }
        if (port < 0 || port > 65535 || portText.isEmpty() || !Character.isDigit(portText.charAt(0))) {
            throw new IllegalArgumentException("endpoint \"" + text + "\" has a bad port");
        }
        return new Endpoint(ip, port, ip.length == 16 ? scope : 0);
    }

    private static int parseScope(String s, String text) {
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10) {
            return Integer.parseInt(s);
        }
        try {
            java.net.NetworkInterface ni = java.net.NetworkInterface.getByName(s);
            if (ni != null) {
                return ni.getIndex();
            }
        } catch (java.net.SocketException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("endpoint \"" + text + "\" names an unknown interface scope");
    }

    public boolean isIpv4() {
        return ip.length == 4;
    }

    public byte[] address() {
        return ip.clone();
    }

    /** Copies the address into dst at off; returns its length (4 or 16). */
    public int copyAddress(byte[] dst, int off) {
        System.arraycopy(ip, 0, dst, off, ip.length);
        return ip.length;
    }

    public int port() {
        return port;
    }

    public int scopeId() {
        return scopeId;
    }

    /** True when this endpoint equals the address {@code a[0..len)} and port, without allocating. */
    public boolean matches(byte[] a, int len, int p) {
        return p == port && len == ip.length && Arrays.equals(ip, 0, len, a, 0, len);
    }

    public InetSocketAddress toInetSocketAddress() {
        try {
            InetAddress addr = ip.length == 16 && scopeId != 0
                    ? Inet6Address.getByAddress(null, ip, scopeId)
                    : InetAddress.getByAddress(ip);
            return new InetSocketAddress(addr, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && e.port == port && e.scopeId == scopeId && Arrays.equals(e.ip, ip);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The {@code wg} tool's form: {@code 192.0.2.1:51820} or {@code [2001:db8::1]:51820}. */
    @Override
    public String toString() {
        if (ip.length == 4) {
            return IpAddresses.format(ip) + ":" + port;
        }
        return "[" + IpAddresses.format(ip) + (scopeId != 0 ? "%" + scopeId : "") + "]:" + port;
    }
}
