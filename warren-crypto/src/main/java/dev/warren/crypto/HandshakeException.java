package dev.warren.crypto;

import java.security.GeneralSecurityException;

/**
 * A Noise handshake message was rejected: too short or too long, failed authentication, or carried a
 * public key of small order. The handshake that threw is unchanged and may still accept a genuine
 * message; bad bytes from the network never cause any other exception.
 */
public final class HandshakeException extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    public HandshakeException(String message) {
        super(message);
    }

    public HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
