package dev.warren.policy;

import dev.warren.wire.net.IpPrefix;

import java.util.List;
import java.util.Objects;

/**
 * What the compiler needs to know of a node. A node with tags is identified by its tags only (as in Tailscale,
 * tagged devices lose their user identity for policy); otherwise by its user's login (e.g.
 * {@code "alice@example.com"}).
 *
 * @param id        the node's stable id in its domain
 * @param name      the node's name (for traces and golden output)
 * @param user      the login of the user who owns it (ignored for policy when {@code tags} is not empty)
 * @param tags      its tags, {@code "tag:name"} form; empty for a personal node
 * @param addresses its overlay addresses, normally one /32 and one /128
 */
public record PolicyNode(long id, String name, String user, List<String> tags, List<IpPrefix> addresses) {
    public PolicyNode {
        name = name == null ? "" : name;
        user = user == null ? "" : user;
        tags = tags == null ? List.of() : List.copyOf(tags);
        addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
    }

    /** Whether the node is tagged (identified by its tags rather than its user). */
    public boolean tagged() {
        return !tags.isEmpty();
    }
}
