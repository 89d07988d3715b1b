package dev.warren.cli.node;

import dev.warren.node.LocalApiClient;
import dev.warren.node.PingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/** {@code warren ping}: pings a peer until a reply comes over a direct path, like {@code tailscale ping}. */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = {"Ping a peer and show the path each reply took ('via relay fra', 'via 192.0.2.1:41641').",
                "By default it stops at the first reply that came directly (--until-direct) and exits non-zero if"
                        + " none did within --count pings; with --until-direct=false it sends all --count pings and"
                        + " exits non-zero only if no reply arrived.",
                "Without magicsock the ping is an ICMP echo through the tunnel (the peer's kernel answers)."})
public final class PingCommand extends ClientOptions {
    @Parameters(index = "0", paramLabel = "PEER", description = "A peer's name, Warren address or node key.")
    String peer;

    @Option(names = {"-c", "--count"}, paramLabel = "N",
            description = "Most pings to send (default: ${DEFAULT-VALUE}).")
    int count = 10;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wait per ping (default: ${DEFAULT-VALUE}).")
    String timeout = "5s";

    @Option(names = "--until-direct", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Stop once a reply came over a direct path (default: ${DEFAULT-VALUE}).")
    boolean untilDirect = true;

    /** One ping. */
    @FunctionalInterface
    interface Pinger {
        PingResult ping() throws IOException;
    }

    /** Waits between pings. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    @Override
    int run() throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("--count must be at least 1");
        }
        Duration wait = duration(timeout);
        LocalApiClient c = client();
        return loop(() -> c.ping(peer, wait), count, untilDirect, System.out, Thread::sleep);
    }

    /**
     * Sends up to {@code count} pings a second apart, printing one line each; stops early at a direct reply when
     * {@code untilDirect}. Returns the exit code: 0 when a direct reply came ({@code untilDirect}) or any reply came
     * (otherwise), else 1.
     */
    static int loop(Pinger pinger, int count, boolean untilDirect, PrintStream out, Sleeper sleeper)
            throws IOException {
        int replies = 0;
        boolean direct = false;
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            PingResult r = pinger.ping();
            out.println(line(r));
            if (r.replied()) {
                replies++;
                if (r.direct()) {
                    direct = true;
                    if (untilDirect) {
                        break;
                    }
                }
            }
            long left = 1000 - (System.nanoTime() - start) / 1_000_000;
            if (i + 1 < count && left > 0) {
                try {
                    sleeper.sleep(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (untilDirect && !direct) {
            out.println(replies > 0 ? "direct connection not established" : "no reply");
            return 1;
        }
        return replies > 0 ? 0 : 1;
    }

    /** "pong from bravo (100.64.0.2) via relay fra in 23ms", "... via 192.0.2.1:41641 in 1.05ms". */
    static String line(PingResult r) {
        if (!r.replied()) {
            return "no pong from " + r.peer() + " (" + r.address() + "): " + r.error();
        }
        String via = via(r.path());
        return "pong from " + r.peer() + " (" + r.address() + ")" + (via == null ? "" : " via " + via) + " in "
                + ms(r.rttMillis()) + "ms";
    }

    /** The "via" part of a path text: the endpoint for a direct path, "relay CODE" for a relay, null for none. */
    static String via(String path) {
        if (path == null || path.isBlank() || path.equals("-")) {
            return null;
        }
        return path.startsWith("direct ") ? path.substring("direct ".length()) : path;
    }

    static String ms(double v) {
        return v < 10 ? String.format("%.2f", v) : String.format("%.0f", v);
    }
}
