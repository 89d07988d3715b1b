package dev.warren.wireguard.uapi;

/**
 * What the UAPI server needs from a WireGuard device: a snapshot of its state for {@code get=1} and an
 * atomic apply for {@code set=1}. The engine implements it; tests use an in-memory model.
 *
 * <p>Calls come from the server's connection threads (virtual threads). The server never runs two
 * {@link #apply} calls at once and never runs {@link #state} during an {@link #apply}, but other callers
 * of the device (the node, timers) may, so the implementation still does its own locking.
 */
public interface UapiDevice {
    /** A consistent snapshot of the device and its peers, in the order {@code wg} should list them. */
    DeviceState state();

    /**
     * Applies one fully validated transaction atomically: either all of it, or, when it throws, nothing.
     * The rules (which mirror what wireguard-go does line by line) are on {@link SetRequest} and
     * {@link PeerChange}; the errno of a thrown exception goes back to the client.
     *
     * @throws UapiException for instance {@link UapiException#EADDRINUSE} when the listen port cannot be
     *         bound or the fwmark set; the device must then be unchanged
     */
    void apply(SetRequest request) throws UapiException;
}
