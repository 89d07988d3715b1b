package dev.warren.wireguard.uapi;

/**
 * A UAPI request failed: {@link #errno()} is the Linux errno the {@code wg} tool understands and the
 * message names the problem for logs. On the wire the server reports it negated, {@code errno=-22}, as
 * wireguard-go does: the {@code wg} tool reads the number and returns it as its own negative-errno result,
 * so a positive value would read as success.
 *
 * <p>The errno values follow wireguard-go: {@link #EINVAL} for anything wrong with a key or value
 * (unknown key, malformed number, bad hex, bad endpoint or prefix, a peer key before {@code public_key},
 * {@code protocol_version} other than 1); {@link #EPROTO} for a line without {@code '='} or a truncated
 * line; {@link #EIO} for input over the size limits or I/O failure; {@link #EADDRINUSE} when the device
 * cannot bind the listen port or set the fwmark; {@link #ENOANO} for an unexpected failure inside the
 * device.
 */
public final class UapiException extends Exception {
    private static final long serialVersionUID = 1L;

    /** I/O error; also input beyond the line-length or line-count limits (wireguard-go: "failed to read input"). */
    public static final int EIO = 5;
    /** Invalid key or value. */
    public static final int EINVAL = 22;
    /** Unexpected failure in the device (wireguard-go's IpcErrorUnknown). */
    public static final int ENOANO = 55;
    /** Malformed line. */
    public static final int EPROTO = 71;
    /** The listen port (or fwmark) could not be applied to the socket. */
    public static final int EADDRINUSE = 98;

    private final int errno;

    /** A failure with a positive Linux {@code errno} and a message for logs. */
    public UapiException(int errno, String message) {
        super(message);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive, got " + errno);
        }
        this.errno = errno;
    }

    /** Like {@link #UapiException(int, String)} with a cause. */
    public UapiException(int errno, String message, Throwable cause) {
        this(errno, message);
        initCause(cause);
    }

    /** The positive Linux errno ({@link #EINVAL} = 22, ...). */
    public int errno() {
        return errno;
    }

    /** Shorthand for an {@link #EINVAL} failure. */
    public static UapiException invalid(String message) {
        return new UapiException(EINVAL, message);
    }
}
