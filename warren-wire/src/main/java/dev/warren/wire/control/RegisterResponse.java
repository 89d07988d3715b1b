package dev.warren.wire.control;

import java.time.Instant;

/**
 * Control → node: the outcome of a {@link RegisterRequest}.
 *
 * @param user              the user the node belongs to (for tagged nodes, the key's creator)
 * @param domain            the domain (tailnet) name
 * @param machineAuthorized false while the node awaits approval by an admin
 * @param nodeKeyExpired    the node key has expired: the node must generate a new one and register again
 * @param keyExpiry         when the node key expires, or null if expiry is disabled
 * @param authUrl           for an interactive login, the URL the user opens; null otherwise
 */
public record RegisterResponse(String user, String domain, boolean machineAuthorized, boolean nodeKeyExpired,
                               Instant keyExpiry, String authUrl) implements ControlMessage {
}
