package dev.warren.magicsock.birthday;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One extra UDP socket of magicsock (ADR 0015): IPv4, bound to a free port on every address, used to create one
 * more NAT mapping towards a peer and, when that mapping wins a birthday round, to carry the peer's traffic.
 * Datagrams it receives go to the {@link SideSockets.Receiver} it was opened with.
 *
 * <p>Threads: {@link #send} and {@link #close} from any thread.
 */
public interface SideSocket extends AutoCloseable {
    /** The local port it is bound to. */
    int localPort();

    /** Sends one datagram; a datagram that cannot be sent is dropped, as UDP allows. */
    void send(byte[] datagram, InetSocketAddress to) throws IOException;

    /** Whether it is still open. */
    boolean isOpen();

    /** Closes it (idempotent); no datagram is delivered for it afterwards. */
    @Override
    void close();
}
