package dev.warren.net.udp;

import dev.warren.wire.datapath.Bind;

/**
 * Chooses the {@link Bind} for this platform: {@link LinuxUdpBind} on 64-bit Linux, {@link DatagramChannelBind}
 * elsewhere. The system property {@code warren.bind} ({@code linux} or {@code portable}) forces one; asking for
 * {@code linux} where it cannot work fails loudly instead of silently degrading.
 */
public final class Binds {
    /** System property that forces an implementation: {@code linux} or {@code portable}. */
    public static final String PROPERTY = "warren.bind";

    private Binds() {
    }

    /** A new, unopened bind. */
    public static Bind create() {
        String forced = System.getProperty(PROPERTY, "").trim();
        return switch (forced) {
            case "linux" -> {
                if (!LinuxUdpBind.isSupported()) {
                    throw new IllegalStateException(PROPERTY + "=linux, but the Linux bind needs 64-bit Linux (os.name="
                            + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch") + ")");
                }
                yield new LinuxUdpBind();
            }
            case "portable" -> new DatagramChannelBind();
            case "" -> LinuxUdpBind.isSupported() ? new LinuxUdpBind() : new DatagramChannelBind();
            default -> throw new IllegalArgumentException(PROPERTY + " must be \"linux\" or \"portable\", not \"" + forced + "\"");
        };
    }
}
