package dev.warren.cli;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The System.Logger back end writes exactly what the java.util.logging set-up wrote (same line format, level
 * names, parameter formatting and stack traces), honours LOG_LEVEL like it, and is the finder the JDK picks.
 */
class StderrLoggerFinderTest {
    /** The format {@link Logging} gives JUL's SimpleFormatter. */
    private static final String JUL_FORMAT = "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";

    @Test
    void isTheFinderTheJdkUses() {
        assertInstanceOf(StderrLoggerFinder.class, System.LoggerFinder.getLoggerFinder());
        assertInstanceOf(StderrLoggerFinder.StderrLogger.class, System.getLogger("warren.test"));
    }

    @Test
    void linesMatchJulsSimpleFormatter() {
        Instant at = Instant.parse("2026-12-05T01:02:03.045Z");
        assertSameAsJul(at, System.Logger.Level.INFO, "warren.wg", "interface {0} is up on {1}",
                new Object[]{"wg0", 51820}, null);
        assertSameAsJul(at, System.Logger.Level.ERROR, "dev.warren.net.tun.LinuxTun", "plain text, no params",
                null, null);
        assertSameAsJul(at, System.Logger.Level.WARNING, "x", "can't parse {0}", new Object[]{"it"}, null);
        assertSameAsJul(at, System.Logger.Level.WARNING, "x", "it's {9} not a placeholder we format",
                new Object[]{"a"}, null);
        assertSameAsJul(at, System.Logger.Level.DEBUG, "warren.wireguard", "bad pattern {0", new Object[]{1}, null);
        assertSameAsJul(at, System.Logger.Level.TRACE, "warren.wireguard", "failed", null,
                new IOException("boom"));
    }

    @Property(tries = 200)
    void timestampsMatchJulAtAnyMillisecond(@ForAll @IntRange(min = 0, max = 2_000_000_000) int seconds,
                                            @ForAll @IntRange(min = 0, max = 999) int millis) {
        Instant at = Instant.ofEpochSecond(seconds, millis * 1_000_000L);
        assertSameAsJul(at, System.Logger.Level.INFO, "warren.node", "tick", null, null);
    }

    @Test
    void logLevelSetsThresholdsLikeTheJulSetUp() {
        var verbose = StderrLoggerFinder.Thresholds.parse("verbose");
        assertEquals(System.Logger.Level.DEBUG, verbose.forLogger("warren.wireguard"));
        assertEquals(System.Logger.Level.DEBUG, verbose.forLogger("warren"));
        assertEquals(System.Logger.Level.INFO, verbose.forLogger("dev.warren.net.udp.LinuxUdpBind"));
        assertEquals(System.Logger.Level.INFO, verbose.forLogger("warrenx"));
        assertEquals(verbose, StderrLoggerFinder.Thresholds.parse("DEBUG"));
        var error = StderrLoggerFinder.Thresholds.parse("error");
        assertEquals(System.Logger.Level.ERROR, error.forLogger("warren.wg"));
        assertEquals(System.Logger.Level.ERROR, error.forLogger("other"));
        assertEquals(System.Logger.Level.INFO, StderrLoggerFinder.Thresholds.parse(null).forLogger("warren.wg"));
        assertEquals(System.Logger.Level.INFO, StderrLoggerFinder.Thresholds.parse("nonsense").forLogger("warren.wg"));

        var silent = new StderrLoggerFinder.StderrLogger("warren.wg",
                StderrLoggerFinder.Thresholds.parse("silent").forLogger("warren.wg"));
        for (System.Logger.Level l : System.Logger.Level.values()) {
            assertFalse(silent.isLoggable(l), l.toString());
        }
        var info = new StderrLoggerFinder.StderrLogger("warren.wg", System.Logger.Level.INFO);
        assertTrue(info.isLoggable(System.Logger.Level.INFO));
        assertTrue(info.isLoggable(System.Logger.Level.ERROR));
        assertFalse(info.isLoggable(System.Logger.Level.DEBUG));
        assertFalse(info.isLoggable(System.Logger.Level.OFF));
    }

    private static void assertSameAsJul(Instant at, System.Logger.Level level, String name, String msg,
                                        Object[] params, Throwable thrown) {
        String previous = System.getProperty("java.util.logging.SimpleFormatter.format");
        System.setProperty("java.util.logging.SimpleFormatter.format", JUL_FORMAT);
        try {
            LogRecord r = new LogRecord(julLevel(level), msg);
            r.setInstant(at);
            r.setLoggerName(name);
            r.setParameters(params);
            r.setThrown(thrown);
            String jul = new SimpleFormatter().format(r);
            String ours = StderrLoggerFinder.format(at, level, name,
                    StderrLoggerFinder.StderrLogger.formatMessage(msg, params), thrown);
            assertEquals(jul, ours);
        } finally {
            if (previous == null) {
                System.clearProperty("java.util.logging.SimpleFormatter.format");
            } else {
                System.setProperty("java.util.logging.SimpleFormatter.format", previous);
            }
        }
    }

    private static Level julLevel(System.Logger.Level level) {
        return switch (level) {
            case ALL -> Level.ALL;
            case TRACE -> Level.FINER;
            case DEBUG -> Level.FINE;
            case INFO -> Level.INFO;
            case WARNING -> Level.WARNING;
            case ERROR -> Level.SEVERE;
            case OFF -> Level.OFF;
        };
    }
}
