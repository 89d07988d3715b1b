package dev.warren.wire;

/**
 * Thrown by every binary decoder when input is too short, has a bad type or an impossible field. Decoders check
 * lengths before reading, so this is the only exception a peer's bytes can cause. It carries no stack trace:
 * it is an expected outcome on the packet path, not a bug.
 */
public final class MalformedMessageException extends Exception {
    public MalformedMessageException(String message) {
        super(message, null, false, false);
    }
}
