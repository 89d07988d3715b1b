package dev.warren.control;

/**
 * A refused request: an HTTP-like status, a stable machine-readable code, the offending field when there is one,
 * and a sentence for a person. Nothing changed when this is thrown.
 */
public final class ControlException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    public ControlException(int status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
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
