package dev.warren.cli.node;

import dev.warren.node.LocalApiClient;
import dev.warren.node.NodeConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What every client command shares: the socket option, error reporting, duration parsing. */
abstract class ClientOptions implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Option(names = "--socket", paramLabel = "PATH", description = "The node daemon's socket (default: ${DEFAULT-VALUE}).")
    Path socket = NodeConfig.DEFAULT_SOCKET;

    LocalApiClient client() {
        return new LocalApiClient(socket);
    }

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (IOException e) {
            System.err.println("warren: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            System.err.println("warren: " + e.getMessage());
            return 2;
        }
    }

    abstract int run() throws IOException;

    /** Parses {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration like 500ms, 5s, 2m or 1h");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> v * 3_600_000;
        };
        return Duration.ofMillis(Math.round(ms));
    }
}
