package dev.warren.wire.control;

import dev.warren.wire.key.DiscoKey;

import java.util.List;

/**
 * Node → control, during a map stream: my endpoints, host information, home relay or disco key changed. Null fields
 * are unchanged.
 *
 * @param endpoints the node's underlay endpoints ("ip:port", "[v6]:port")
 * @param hostinfo  host information
 * @param homeRelay the home relay region id, 0 = none (since capability version 2)
 * @param discoKey  the node's disco key (since capability version 2)
 */
public record UpdateRequest(List<String> endpoints, Hostinfo hostinfo, Integer homeRelay, DiscoKey discoKey)
        implements ControlMessage {
    /** An update of the version-1 fields only. */
    public UpdateRequest(List<String> endpoints, Hostinfo hostinfo) {
        this(endpoints, hostinfo, null, null);
    }
}
