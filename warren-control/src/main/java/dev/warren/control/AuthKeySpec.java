package dev.warren.control;

import java.time.Duration;
import java.util.List;

/**
 * What a new pre-auth key allows.
 *
 * @param domain      the domain nodes registering with the key join (must exist)
 * @param reusable    usable by any number of machines; otherwise one machine (which may log in again with it)
 * @param ephemeral   nodes registered with it are deleted after they stay offline for the ephemeral timeout
 * @param preapproved nodes are authorized even in a domain that requires approval
 * @param tags        tags granted to the nodes, each {@code tag:<lowercase letters, digits, '-'>}; null = none
 * @param expiry      the key's lifetime; null = the server default (90 days)
 * @param user        the user owning the nodes; null = {@code admin@<domain>}
 */
public record AuthKeySpec(String domain, boolean reusable, boolean ephemeral, boolean preapproved, List<String> tags,
                          Duration expiry, String user) {
    public AuthKeySpec {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A one-off, non-ephemeral, not preapproved key for {@code domain} with defaults. */
    public static AuthKeySpec of(String domain) {
        return new AuthKeySpec(domain, false, false, false, List.of(), null, null);
    }
}
