package dev.warren.node.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host name a node registers with when the user gives none. */
public final class Hostnames {
    private Hostnames() {
    }

    /** {@code /etc/hostname}, else the resolver's name for this host, else "node". */
    public static String local() {
        try {
            Path etc = Path.of("/etc/hostname");
            if (Files.isReadable(etc)) {
                String h = Files.readString(etc).strip();
                if (!h.isEmpty()) {
                    return h;
                }
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | UncheckedIOException e) {
            return "node";
        }
    }
}
