package dev.warren.policy;

import java.util.List;

/**
 * A policy was rejected: it does not parse, fails validation, or names something (a source or destination of a
 * trace) that does not exist. {@link #getMessage()} lists every error, one per line, in {@link PolicyError#format()}
 * form.
 */
public final class PolicyException extends Exception {
    private final List<PolicyError> errors;

    public PolicyException(List<PolicyError> errors) {
        super(format(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public PolicyException(PolicyError error) {
        this(List.of(error));
    }

    /** The errors, in file order. */
    public List<PolicyError> errors() {
        return errors;
    }

    private static String format(List<PolicyError> errors) {
        StringBuilder sb = new StringBuilder();
        for (PolicyError e : errors) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(e.format());
        }
        return sb.toString();
    }
}
