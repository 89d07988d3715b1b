package dev.warren.node;

import dev.warren.channel.ControlChannelClient;
import dev.warren.channel.ServerKey;

import java.time.Duration;

/**
 * The default network control transport of {@link NodeDaemon}: the Noise IK channel of warren-channel
 * ({@link ControlChannelClient}) and its key endpoint ({@link ServerKey#fetch}).
 */
final class ControlTransport {
    /** How long one connection attempt or key fetch may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private ControlTransport() {
    }

    static ControlDialerFactory dialers() {
        return (server, key, machine) -> ControlChannelClient.dialer(server, key, machine, TIMEOUT);
    }

    static ServerKeyFetcher serverKeys() {
        return server -> ServerKey.fetch(server, TIMEOUT);
    }
}
