package dev.warren.channel.internal;

import java.io.IOException;

/** The peer broke the control channel protocol: a bad handshake, record, counter or size. */
public final class ChannelException extends IOException {
    private static final long serialVersionUID = 1L;

    public ChannelException(String message) {
        super(message);
    }

    public ChannelException(String message, Throwable cause) {
        super(message, cause);
    }
}
