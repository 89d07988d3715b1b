package dev.warren.lab;

import dev.warren.testing.lab.Netns;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * The two WireGuard implementations the lab runs side by side, started exactly as a user (or wg-quick) starts
 * them: {@code bin/warren wg IFACE} and {@code wireguard-go IFACE}, both detaching once ready, both with
 * verbose logs appended to a file. Also finds a daemon's process inside its namespace and its UAPI socket.
 */
enum Impl {
    WARREN("warren"),
    WIREGUARD_GO("wireguard-go");

    /** Where every implementation serves its configuration protocol, shared by all namespaces. */
    static final Path SOCKET_DIR = Path.of("/var/run/wireguard");

    private final String label;

    Impl(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /** Starts the daemon for {@code iface} in {@code ns} and waits until its UAPI socket answers. */
    void start(Netns lab, String ns, String iface, Path log) throws IOException, InterruptedException {
        switch (this) {
            case WARREN -> lab.exec(ns, "env", "LOG_LEVEL=verbose", "WARREN_LOG=" + log, LabEnv.WARREN.toString(),
                    "wg", iface);
            case WIREGUARD_GO -> lab.exec(ns, "sh", "-c",
                    "LOG_LEVEL=verbose exec wireguard-go \"$0\" >>\"$1\" 2>&1", iface, log.toString());
        }
        if (!LabEnv.eventually(Duration.ofSeconds(10), () -> socketAnswers(iface))) {
            throw new IOException(this + " on " + iface + " did not open " + socket(iface) + "; log:\n"
                    + LabEnv.read(log));
        }
    }

    /** The UAPI socket of {@code iface}. */
    static Path socket(String iface) {
        return SOCKET_DIR.resolve(iface + ".sock");
    }

    /** Whether something accepts connections on the UAPI socket of {@code iface}. */
    static boolean socketAnswers(String iface) {
        Path s = socket(iface);
        if (!Files.exists(s)) {
            return false;
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(s));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The process id of the daemon serving {@code iface} in {@code ns}: Warren's JVM runs
     * {@code … -jar …/warren-wg.jar wg … IFACE} (or the full {@code warren.jar}), wireguard-go runs {@code wireguard-go IFACE}.
     */
    OptionalLong pid(String ns, String iface) throws IOException {
        Netns.Result pids = Netns.runResult(Duration.ofSeconds(5), "ip", "netns", "pids", ns);
        for (String p : pids.output().strip().split("\\s+")) {
            if (p.isEmpty()) {
                continue;
            }
            List<String> argv;
            try {
                argv = Arrays.asList(Files.readString(Path.of("/proc", p, "cmdline")).split("\0"));
            } catch (IOException e) {
                continue; // exited meanwhile
            }
            if (argv.isEmpty() || !argv.getLast().equals(iface)) {
                continue;
            }
            boolean match = switch (this) {
                case WARREN -> argv.contains("wg")
                        && argv.stream().anyMatch(a -> a.endsWith("/warren.jar") || a.endsWith("/warren-wg.jar"));
                case WIREGUARD_GO -> argv.getFirst().endsWith("wireguard-go");
            };
            if (match) {
                return OptionalLong.of(Long.parseLong(p));
            }
        }
        return OptionalLong.empty();
    }

    /** Whether process {@code pid} still exists (and is no zombie). */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }
}
