package dev.warren.node.internal;

import dev.warren.wire.control.ErrorMessage;

import java.io.IOException;

/** Control answered with an {@link ErrorMessage}; {@link #fatal()} when retrying cannot help (bad key, refused). */
public final class ControlException extends IOException {
    private final ErrorMessage error;

    public ControlException(ErrorMessage error) {
        super(error.message() != null && !error.message().isBlank() ? error.message()
                : "control refused the request: " + error.code() + " (" + error.status() + ")");
        this.error = error;
    }

    public ErrorMessage error() {
        return error;
    }

    /** 400, 401, 403 and 404 will not change by themselves; 409 and 5xx might. */
    public boolean fatal() {
        int s = error.status();
        return s == 400 || s == 401 || s == 403 || s == 404;
    }
}
