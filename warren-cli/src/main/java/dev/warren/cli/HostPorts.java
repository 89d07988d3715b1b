package dev.warren.cli;

import java.net.InetSocketAddress;

/** The one parser of the CLI's HOST:PORT flags ({@code --listen}, {@code --mesh-with}). */
public final class HostPorts {
    private HostPorts() {
    }

    /**
     * Parses {@code HOST:PORT} or {@code [V6]:PORT} into an unresolved address; the error names {@code flag} and
     * shows {@code example} (e.g. "0.0.0.0:443 or [::1]:443").
     */
    public static InetSocketAddress parse(String flag, String s, String example) {
        int colon = s == null ? -1 : s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException(flag + " '" + s + "' must be HOST:PORT, e.g. " + example);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(flag + " '" + s + "': write an IPv6 address in brackets, [::1]:"
                    + s.substring(colon + 1));
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " '" + s + "': port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + " '" + s + "': port is outside 0..65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
