package dev.warren.magicsock.birthday;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Opens magicsock's extra UDP sockets (ADR 0015). Production: {@link #udp()}; tests pass an in-memory network.
 */
public interface SideSockets {
    /** Receives the datagrams of side sockets; called on the implementation's receive thread, must not block. */
    interface Receiver {
        void datagram(SideSocket socket, byte[] datagram, InetSocketAddress source);
    }

    /** Opens a new socket on a free port whose datagrams go to {@code receiver}. */
    SideSocket open(Receiver receiver) throws IOException;

    /** Real IPv4 UDP sockets ({@link UdpSideSockets}). */
    static SideSockets udp() {
        return new UdpSideSockets();
    }
}
