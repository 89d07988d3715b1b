package dev.warren.wire.control;

import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;

import java.util.List;

/**
 * Node → control: stream me the network map for this node key.
 *
 * @param version       the node's {@link CapabilityVersion}
 * @param nodeKey       a registered, authorized node key
 * @param stream        true: keep sending deltas; false: send one full map and stop
 * @param hostinfo      current host information, or null
 * @param endpoints     the node's current underlay endpoints ("ip:port", "[v6]:port"), or null
 * @param sessionHandle the handle of a previous stream to resume, or null for a fresh full map
 * @param lastSeq       the last sequence number the node applied from that session; deltas after it are replayed
 *                      if the server still holds them, else the server sends a full map
 * @param compress      {@value #DEFLATE} to accept map responses compressed as {@link ControlJson} describes
 *                      (a server may still send any message uncompressed), or null; servers that do not know
 *                      the field ignore it and never compress
 * @param discoKey      the node's disco key for this run of its daemon, or null (before capability version 2)
 * @param homeRelay     the node's home relay region id, 0 = none, or null (before capability version 2)
 */
public record MapRequest(int version, NodeKey nodeKey, boolean stream, Hostinfo hostinfo, List<String> endpoints,
                         String sessionHandle, long lastSeq, String compress, DiscoKey discoKey, Integer homeRelay)
        implements ControlMessage {
    /** The one compression there is: raw DEFLATE (RFC 1951) after a zero byte. */
    public static final String DEFLATE = "deflate";

    /** A request without the version-2 fields. */
    public MapRequest(int version, NodeKey nodeKey, boolean stream, Hostinfo hostinfo, List<String> endpoints,
                      String sessionHandle, long lastSeq, String compress) {
        this(version, nodeKey, stream, hostinfo, endpoints, sessionHandle, lastSeq, compress, null, null);
    }

    /** A request for uncompressed map responses. */
    public MapRequest(int version, NodeKey nodeKey, boolean stream, Hostinfo hostinfo, List<String> endpoints,
                      String sessionHandle, long lastSeq) {
        this(version, nodeKey, stream, hostinfo, endpoints, sessionHandle, lastSeq, null, null, null);
    }

    /** True if the node accepts DEFLATE-compressed map responses. */
    public boolean acceptsDeflate() {
        return DEFLATE.equals(compress);
    }
}
