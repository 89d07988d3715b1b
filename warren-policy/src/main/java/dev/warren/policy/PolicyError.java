package dev.warren.policy;

import java.util.Objects;

/**
 * One problem found in a policy file, located by 1-based line and column of the offending value.
 *
 * @param file    the file name given to {@link Policy#parse}
 * @param line    1-based line
 * @param column  1-based column (in characters)
 * @param message what is wrong, naming the offending value
 * @param hint    a suggestion such as {@code "did you mean group:engineering?"}, or null
 */
public record PolicyError(String file, int line, int column, String message, String hint) {
    public PolicyError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** {@code "policy.hujson:12:9: group:eng is not defined (did you mean group:engineering?)"}. */
    public String format() {
        return file + ":" + line + ":" + column + ": " + message + (hint == null ? "" : " (" + hint + ")");
    }
}
