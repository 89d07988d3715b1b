package dev.warren.wire.control;

import dev.warren.wire.key.NodeKey;

import java.time.Instant;

/**
 * Node → control: log this node key in (or out). Sent over a channel authenticated with the machine key.
 *
 * @param version   the node's {@link CapabilityVersion}
 * @param nodeKey   the node key (the WireGuard public key) to register
 * @param oldNodeKey the previous node key when renewing, else null; control moves the node's identity to the new key
 * @param authKey   a pre-auth key, or null for an interactive login (the response then carries an auth URL)
 * @param hostinfo  host information; its hostname seeds the node's DNS-safe name
 * @param ephemeral the node asks to be removed after it goes inactive (a key may force it)
 * @param expiry    null normally; a time in the past logs the node key out
 * @param followup  the auth URL of an earlier response, to wait for that login to finish
 */
public record RegisterRequest(int version, NodeKey nodeKey, NodeKey oldNodeKey, String authKey, Hostinfo hostinfo,
                              boolean ephemeral, Instant expiry, String followup) implements ControlMessage {
}
