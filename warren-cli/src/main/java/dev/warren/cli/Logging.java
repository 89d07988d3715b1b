package dev.warren.cli;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Configures java.util.logging, which the control server and the relay code use directly: one-line records on
 * standard error in the same format as {@link StderrLoggerFinder}'s (which serves every {@link System.Logger}).
 * {@code LOG_LEVEL} works as for wireguard-go: {@code verbose} (or {@code debug}), {@code error},
 * {@code silent}; the default shows informational messages.
 */
final class Logging {
    private Logging() {
    }

    static void configure() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        String env = System.getenv().getOrDefault("LOG_LEVEL", "info").toLowerCase(Locale.ROOT);
        Level level = switch (env) {
            case "verbose", "debug" -> Level.FINE;
            case "error" -> Level.SEVERE;
            case "silent" -> Level.OFF;
            default -> Level.INFO;
        };
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler h = new ConsoleHandler();
        h.setFormatter(new SimpleFormatter());
        h.setLevel(level);
        root.addHandler(h);
        root.setLevel(level.intValue() < Level.INFO.intValue() ? Level.INFO : level);
        Logger.getLogger("warren").setLevel(level);
    }
}
