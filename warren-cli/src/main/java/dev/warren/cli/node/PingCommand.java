package dev.warren.cli.node;

import dev.warren.node.LocalApiClient;
import dev.warren.node.PingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;

/** {@code warren ping}. */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = {"Ping a peer through the tunnel (ICMP echo; the peer's kernel answers, no helper needed there).",
                "Exits non-zero if no reply arrived."})
public final class PingCommand extends ClientOptions {
    @Parameters(index = "0", paramLabel = "PEER", description = "A peer's name or Warren address.")
    String peer;

    @Option(names = {"-c", "--count"}, paramLabel = "COUNT", description = "Pings to send (default: ${DEFAULT-VALUE}).")
    int count = 4;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wait per ping (default: ${DEFAULT-VALUE}).")
    String timeout = "5s";

    @Override
    int run() throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("--count must be at least 1");
        }
        Duration wait = duration(timeout);
        LocalApiClient c = client();
        int replies = 0;
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            PingResult r = c.ping(peer, wait);
            if (r.replied()) {
                replies++;
                System.out.printf("pong from %s (%s) in %s ms%n", r.peer(), r.address(), ms(r.rttMillis()));
            } else {
                System.out.printf("no pong from %s (%s): %s%n", r.peer(), r.address(), r.error());
            }
            long left = 1000 - (System.nanoTime() - start) / 1_000_000;
            if (i + 1 < count && left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return replies > 0 ? 0 : 1;
    }

    static String ms(double v) {
        return v < 10 ? String.format("%.2f", v) : String.format("%.1f", v);
    }
}
