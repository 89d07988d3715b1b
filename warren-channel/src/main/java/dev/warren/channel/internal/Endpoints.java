package dev.warren.channel.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** URL arithmetic shared by the client classes. */
public final class Endpoints {
    /** Where the control server installs the channel. */
    public static final String CONTROL_PATH = "/control";
    /** Where the control server publishes its key. */
    public static final String KEY_PATH = "/key";

    private Endpoints() {
    }

    /** {@code serverBase} (http or https) with {@code path} appended to its path. */
    public static URI http(URI serverBase, String path) {
        return with(serverBase, scheme(serverBase, false), path);
    }

    /** The WebSocket URI: http → ws, https → wss, with {@code path} appended. */
    public static URI ws(URI serverBase, String path) {
        return with(serverBase, scheme(serverBase, true), path);
    }

    private static String scheme(URI base, boolean ws) {
        String s = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "http", "ws" -> ws ? "ws" : "http";
            case "https", "wss" -> ws ? "wss" : "https";
            default -> throw new IllegalArgumentException("control server URL " + base
                    + " must start with http:// or https://");
        };
    }

    private static URI with(URI base, String scheme, String path) {
        if (base.getHost() == null) {
            throw new IllegalArgumentException("control server URL " + base + " has no host");
        }
        String p = base.getPath() == null ? "" : base.getPath();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        try {
            return new URI(scheme, null, base.getHost(), base.getPort(), p + path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad control server URL " + base + ": " + e.getMessage(), e);
        }
    }
}
