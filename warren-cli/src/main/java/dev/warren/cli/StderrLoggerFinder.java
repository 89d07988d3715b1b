package dev.warren.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * The {@link System.LoggerFinder} of the {@code warren} program (registered in
 * {@code META-INF/services/java.lang.System$LoggerFinder}): every {@link System.Logger} writes one line per
 * record to standard error, in the format {@link Logging} gives java.util.logging —
 * {@code 2026-12-05 01:02:03.456 INFO warren.wg: message} with JUL's level names, a stack trace after the
 * line when there is a throwable, and {@link MessageFormat} parameters ({@code {0}}).
 *
 * <p><b>Why not java.util.logging.</b> JUL's set-up, its {@code LogManager} and the caller inference each record
 * does (a stack walk) cost ~20–50 ms of the {@code warren wg} daemon's start-up, which must be quick because
 * wg-quick and scripts wait for it. Modules that use JUL directly (control, relay) still get it configured by
 * {@link Logging#configure} for the commands that run them.
 *
 * <p><b>Levels</b> come from {@code LOG_LEVEL}, read once, as for wireguard-go: {@code verbose} or {@code debug}
 * shows DEBUG records of the loggers named {@code warren} and {@code warren.*} (the engine's and the node's
 * narrative) and INFO of others (e.g. per-class loggers, whose debug records are per-packet detail) — as the
 * java.util.logging set-up did; {@code error} shows only errors, {@code silent} nothing; by default INFO and
 * above. Rate limiting stays where the callers do it ({@code RateLimitedLog}).
 *
 * <p>Thread-safety: loggers are immutable; each record is written with one {@code print} call on
 * {@link System#err}, which is synchronized, so lines from concurrent threads do not interleave.
 */
public final class StderrLoggerFinder extends System.LoggerFinder {
    /** The least severe level shown for Warren's loggers and for all others. */
    private static final Thresholds THRESHOLDS = Thresholds.parse(System.getenv("LOG_LEVEL"));

    /** Instantiated by the JDK's {@link java.util.ServiceLoader}. */
    public StderrLoggerFinder() {
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new StderrLogger(name, THRESHOLDS.forLogger(name));
    }

    /** Per-logger minimum severities derived from {@code LOG_LEVEL}. */
    record Thresholds(System.Logger.Level warren, System.Logger.Level others) {
        static Thresholds parse(String logLevel) {
            String v = logLevel == null ? "info" : logLevel.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "verbose", "debug" -> new Thresholds(System.Logger.Level.DEBUG, System.Logger.Level.INFO);
                case "error" -> new Thresholds(System.Logger.Level.ERROR, System.Logger.Level.ERROR);
                case "silent" -> new Thresholds(System.Logger.Level.OFF, System.Logger.Level.OFF);
                default -> new Thresholds(System.Logger.Level.INFO, System.Logger.Level.INFO);
            };
        }

        System.Logger.Level forLogger(String name) {
            return name.equals("warren") || name.startsWith("warren.") ? warren : others;
        }
    }

    /** One named logger writing to standard error. */
    static final class StderrLogger implements System.Logger {
        private final String name;
        private final Level threshold;

        StderrLogger(String name, Level threshold) {
            this.name = name;
            this.threshold = threshold;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level != Level.OFF && threshold != Level.OFF && level.getSeverity() >= threshold.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) {
                System.err.print(format(Instant.now(), level, name, localized(bundle, msg), thrown));
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                System.err.print(format(Instant.now(), level, name, formatMessage(localized(bundle, format), params),
                        null));
            }
        }

        @Override
        public void log(Level level, Supplier<String> supplier) {
            if (isLoggable(level)) {
                System.err.print(format(Instant.now(), level, name, supplier.get(), null));
            }
        }

        /**
         * As java.util.logging's {@code Formatter.formatMessage}: {@link MessageFormat} only when there are
         * parameters and the text has a <code>{</code> followed by a digit, the text unchanged if formatting fails.
         */
        static String formatMessage(String msg, Object[] params) {
            if (msg == null || params == null || params.length == 0) {
                return msg;
            }
            for (int i = msg.indexOf('{'); i >= 0 && i < msg.length() - 1; i = msg.indexOf('{', i + 1)) {
                char c = msg.charAt(i + 1);
                if (c >= '0' && c <= '9') {
                    try {
                        return MessageFormat.format(msg, params);
                    } catch (RuntimeException e) {
                        return msg;
                    }
                }
            }
            return msg;
        }

        private static String localized(ResourceBundle bundle, String msg) {
            if (bundle == null || msg == null) {
                return msg;
            }
            try {
                return bundle.getString(msg);
            } catch (MissingResourceException e) {
                return msg;
            }
        }
    }

    /**
     * {@code yyyy-MM-dd HH:mm:ss.SSS LEVEL name: message} in the local time zone, plus the stack trace of
     * {@code thrown} on the following lines; ends with a line separator.
     */
    static String format(Instant at, System.Logger.Level level, String name, String msg, Throwable thrown) {
        LocalDateTime t = LocalDateTime.ofInstant(at, ZoneId.systemDefault());
        StringBuilder b = new StringBuilder(64 + (msg == null ? 4 : msg.length()));
        b.append(t.getYear()).append('-');
        two(b, t.getMonthValue()).append('-');
        two(b, t.getDayOfMonth()).append(' ');
        two(b, t.getHour()).append(':');
        two(b, t.getMinute()).append(':');
        two(b, t.getSecond()).append('.');
        int millis = t.getNano() / 1_000_000;
        b.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
        b.append(' ').append(julName(level)).append(' ').append(name).append(": ").append(msg);
        if (thrown != null) {
            StringWriter sw = new StringWriter();
            PrintWriter pw = new PrintWriter(sw);
            pw.println();
            thrown.printStackTrace(pw);
            pw.flush();
            b.append(sw);
        }
        return b.append(System.lineSeparator()).toString();
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    /** The java.util.logging name of a level, as Warren's log lines have always shown it. */
    static String julName(System.Logger.Level level) {
        return switch (level) {
            case ALL -> "ALL";
            case TRACE -> "FINER";
            case DEBUG -> "FINE";
            case INFO -> "INFO";
            case WARNING -> "WARNING";
            case ERROR -> "SEVERE";
            case OFF -> "OFF";
        };
    }
}
