package dev.warren.control;

import java.time.Instant;
import java.util.List;

/**
 * A node as the admin sees it.
 *
 * @param keyExpiry         when the node key expires (null when expiry is disabled)
 * @param online            it has a live map stream now
 * @param authorized        approved (or never needed approval)
 * @param expired           its node key has expired or was logged out; peers no longer see it
 * @param discoKey          the disco key it announced on its current or last stream since control started, or null
 * @param homeRelay         the home relay region it announced, 0 = none
 */
public record NodeView(long id, String domain, String name, String user, String nodeKey, String machineKey,
                       List<String> addresses, List<String> endpoints, String hostname, String os,
                       boolean online, boolean authorized, boolean expired, Instant keyExpiry,
                       boolean keyExpiryDisabled, boolean ephemeral, List<String> tags, Instant created,
                       Instant lastSeen, String discoKey, int homeRelay) {
}
