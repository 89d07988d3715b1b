package dev.warren.node.internal;

import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Configures the node's TUN interface with iproute2's {@code ip}: link up with the MTU, the routes for Warren's
 * ranges, and the node's own addresses. Each failure names the command and what {@code ip} printed.
 */
public final class IpCommand {
    /** Warren's IPv4 range (the CGNAT block, as Tailscale uses). */
    public static final String RANGE_V4 = "100.64.0.0/10";
    /** Warren's IPv6 range (Tailscale's ULA prefix). */
    public static final String RANGE_V6 = "fd7a:115c:a1e0::/48";

    private final String dev;

    public IpCommand(String dev) {
        this.dev = dev;
    }

    /** Sets the MTU, brings the link up and routes both Warren ranges into it (IPv6 only if the host has IPv6). */
    public void linkUp(int mtu) throws IOException {
        run("ip", "link", "set", "dev", dev, "mtu", Integer.toString(mtu), "up");
        run("ip", "route", "replace", RANGE_V4, "dev", dev);
        try {
            run("ip", "-6", "route", "replace", RANGE_V6, "dev", dev);
        } catch (IOException e) {
            System.getLogger("warren.node").log(System.Logger.Level.WARNING,
                    "no IPv6 route into {0} ({1}); IPv6 inside the tunnel will not work", dev, e.getMessage());
        }
    }

    /** Replaces the addresses {@code before} with {@code after} (each as a host route: /32 or /128). */
    public void setAddresses(List<IpPrefix> before, List<IpPrefix> after) throws IOException {
        List<String> errors = new ArrayList<>();
        for (IpPrefix p : before) {
            if (!after.contains(p)) {
                try {
                    run("ip", p.isIpv4() ? "-4" : "-6", "addr", "del", host(p), "dev", dev);
                } catch (IOException e) {
                    errors.add(e.getMessage());
                }
            }
        }
        for (IpPrefix p : after) {
            try {
                run("ip", p.isIpv4() ? "-4" : "-6", "addr", "replace", host(p), "dev", dev);
            } catch (IOException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException(String.join("; ", errors));
        }
    }

    private static String host(IpPrefix p) {
        return IpAddresses.format(p.address()) + (p.isIpv4() ? "/32" : "/128");
    }

    static void run(String... cmd) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run `" + String.join(" ", cmd) + "`: " + e.getMessage()
                    + " (is iproute2 installed?)", e);
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("`" + String.join(" ", cmd) + "` did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running `" + String.join(" ", cmd) + "`", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException("`" + String.join(" ", cmd) + "` failed (exit " + p.exitValue() + ")"
                    + (out.isEmpty() ? "" : ": " + out));
        }
    }
}
