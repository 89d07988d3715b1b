package dev.warren.wire.control;

import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpPrefix;

import java.time.Instant;
import java.util.List;

/**
 * A node as the network map shows it, to itself or to its peers.
 *
 * @param id                control's numeric id, stable for the node's life
 * @param name              the DNS-safe name, unique within the domain
 * @param user              the owning user's login name
 * @param key               the node key (its WireGuard public key)
 * @param keyExpiry         when the node key expires, or null when expiry is disabled
 * @param machine           the machine key
 * @param addresses         the node's Warren addresses (a /32 and a /128)
 * @param allowedIps        the prefixes routed to this node (its addresses, later subnet routes)
 * @param endpoints         underlay endpoints it reported ("ip:port", "[v6]:port")
 * @param hostinfo          what it reported about its host
 * @param created           when it first registered
 * @param lastSeen          when control last heard from it, or null
 * @param online            whether it has a live map stream, or null when unknown
 * @param machineAuthorized false while awaiting approval
 * @param expired           its node key has expired; peers must not talk to it
 * @param ephemeral         removed after inactivity
 * @param tags              tags granted by its auth key
 */
public record Node(long id, String name, String user, NodeKey key, Instant keyExpiry, MachineKey machine,
                   List<IpPrefix> addresses, List<IpPrefix> allowedIps, List<String> endpoints, Hostinfo hostinfo,
                   Instant created, Instant lastSeen, Boolean online, boolean machineAuthorized, boolean expired,
                   boolean ephemeral, List<String> tags) {
}
