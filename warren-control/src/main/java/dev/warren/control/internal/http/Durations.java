package dev.warren.control.internal.http;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as people write them: {@code 90s}, {@code 30m}, {@code 1h}, {@code 90d}, or ISO {@code PT1H}. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})([smhd])");

    private Durations() {
    }

    /** Throws IllegalArgumentException with a message naming the accepted forms. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("duration is empty");
        }
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            if (d.isZero()) {
                throw new IllegalArgumentException("duration '" + text + "' must be positive");
            }
            return d;
        }
        try {
            Duration d = Duration.parse(text.strip().toUpperCase(java.util.Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("duration '" + text + "' must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("duration '" + text + "' is not like 90s, 30m, 1h, 90d or PT1H");
        }
    }
}
