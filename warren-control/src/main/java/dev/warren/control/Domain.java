package dev.warren.control;

import java.time.Instant;

/**
 * A domain (a tailnet): nodes see only peers of their own domain.
 *
 * @param requireApproval new nodes wait for an admin's approval unless their auth key is preapproved
 */
public record Domain(long id, String name, boolean requireApproval, Instant created) {
}
