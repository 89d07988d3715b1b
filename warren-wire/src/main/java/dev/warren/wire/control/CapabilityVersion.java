package dev.warren.wire.control;

/**
 * The control protocol's compatibility contract: one integer that a node sends with every request and that the
 * server checks against {@link #MINIMUM}.
 *
 * <h2>History</h2>
 * <ul>
 *   <li>1 (2026-12-04): register with pre-auth key, streaming map with full map then deltas (changed, removed,
 *       patches), resume by session handle and sequence number, update requests for endpoints and host info.
 *       Added the same day without a version change (both sides ignore what they do not know): the optional
 *       {@code MapRequest.compress = "deflate"} through which a node accepts DEFLATE-compressed map responses.</li>
 * </ul>
 */
public final class CapabilityVersion {
    /** The version this build speaks. */
    public static final int CURRENT = 1;
    /** The oldest client version the server accepts. */
    public static final int MINIMUM = 1;

    private CapabilityVersion() {
    }
}
