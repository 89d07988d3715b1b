package dev.warren.wire.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.warren.wire.key.DiscoKey;
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
 * @param discoKey          the disco key it announced for this run of its daemon (NAT traversal messages are
 *                          sealed to it), or null when unknown (a node older than capability version 2, or one
 *                          that has not streamed since control started)
 * @param homeRelay         the id of the relay region it is reachable through ({@link RelayMap.RelayRegion#id()}),
 *                          0 when it has none; 0 is left out of the JSON (and a version-1 server never sends
 *                          it), so absent means 0
 */
public record Node(long id, String name, String user, NodeKey key, Instant keyExpiry, MachineKey machine,
                   List<IpPrefix> addresses, List<IpPrefix> allowedIps, List<String> endpoints, Hostinfo hostinfo,
                   Instant created, Instant lastSeen, Boolean online, boolean machineAuthorized, boolean expired,
                   boolean ephemeral, List<String> tags, DiscoKey discoKey,
                   @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_DEFAULT) int homeRelay) {
    public Node {
        if (homeRelay < 0) {
            throw new IllegalArgumentException("homeRelay " + homeRelay + " must be 0 (none) or a region id");
        }
    }

    /** This node with another disco key and home relay (what a {@link PeerPatch} of them does). */
    public Node withDisco(DiscoKey newDiscoKey, int newHomeRelay) {
        return new Node(id, name, user, key, keyExpiry, machine, addresses, allowedIps, endpoints, hostinfo, created,
                lastSeen, online, machineAuthorized, expired, ephemeral, tags, newDiscoKey, newHomeRelay);
    }
}
