package dev.warren.control;

import java.util.List;

/**
 * A refused request: an HTTP-like status, a stable machine-readable code, the offending field when there is one,
 * and a sentence for a person; a rejected policy also carries each of its errors with its position
 * ({@link #details}). Nothing changed when this is thrown.
 */
public final class ControlException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final List<ErrorDetail> details;

    /**
     * One error at a position in a submitted file (a policy's syntax, semantics, or failing test).
     *
     * @param hint a suggestion ("did you mean group:engineering?"), or null
     */
    public record ErrorDetail(String file, int line, int column, String message, String hint) {
        /** {@code file:line:column: message (hint)}, as compilers print errors. */
        public String format() {
            return file + ":" + line + ":" + column + ": " + message + (hint == null ? "" : " (" + hint + ")");
        }
    }

    public ControlException(int status, String code, String field, String message) {
        this(status, code, field, message, List.of());
    }

    public ControlException(int status, String code, String field, String message, List<ErrorDetail> details) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.details = List.copyOf(details);
    }

    /** The errors at positions in the submitted file; empty for other refusals. */
    public List<ErrorDetail> details() {
        return details;
    }

    public static ControlException badRequest(String field, String message) {
        return new ControlException(400, "invalid_" + (field == null ? "request" : field), field, message);
    }

    public static ControlException notFound(String code, String message) {
        return new ControlException(404, code, null, message);
    }

    public static ControlException conflict(String code, String field, String message) {
        return new ControlException(409, code, field, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
