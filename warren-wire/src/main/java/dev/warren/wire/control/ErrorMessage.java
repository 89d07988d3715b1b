package dev.warren.wire.control;

/**
 * Control → node: the request failed. The server closes the channel after sending it unless the error is
 * recoverable on the same channel.
 *
 * @param status  an HTTP-like status (400 malformed, 401 unknown or expired key, 403 refused, 404 unknown, 409 conflict)
 * @param code    a stable machine-readable code such as {@code "auth_key_expired"}
 * @param message a sentence for a person, naming the offending field or value
 */
public record ErrorMessage(int status, String code, String message) implements ControlMessage {
}
