package dev.warren.magicsock;

import dev.warren.magicsock.birthday.Birthday;
import dev.warren.magicsock.birthday.SideSocket;
import dev.warren.magicsock.disco.DiscoBox;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * magicsock's side of {@link Birthday} (ADR 0015): sealing and sending probes, the peers' trusted paths, and the
 * receive path of side sockets.
 *
 * <p>What arrives on a side socket: disco from the peer the socket works for is handled like disco on the main
 * socket (a ping is answered — through the same socket, since the first message pins the address to it — and a
 * newly pinned address is pinged back at once; a pong proves the address); WireGuard from a disco-verified address
 * is handed to the engine through {@link MagicBind}'s relay-packet queue with the peer's synthetic source, so the
 * engine keeps seeing one bind; anything else is dropped.
 *
 * <p>Threads: called on the side sockets' receive thread and by {@link Birthday} on any thread; it holds no state
 * of its own.
 */
final class BirthdayHost implements Birthday.Host {
    private static final System.Logger LOG = System.getLogger(BirthdayHost.class.getName());

    private final MagicSock sock;

    BirthdayHost(MagicSock sock) {
        this.sock = sock;
    }

    @Override
    public NodeKey self() {
        return sock.self();
    }

    @Override
    public byte[] seal(DiscoKey peer, DiscoMessage message) {
        try {
            return sock.discoBox().seal(peer, message);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    @Override
    public void sendMain(byte[] datagram, InetSocketAddress to) {
        sock.sendDatagram(datagram, Endpoint.of(to));
    }

    @Override
    public InetSocketAddress trustedDirect(NodeKey peer) {
        MagicSock.Peer p = sock.peer(peer);
        return p == null ? null : p.paths().snapshot().direct();
    }

    @Override
    public void sideDatagram(SideSocket socket, byte[] datagram, InetSocketAddress source) {
        try {
            receive(socket, datagram, source);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "side-socket datagram from " + source + " failed", e);
        }
    }

    private void receive(SideSocket s, byte[] b, InetSocketAddress source) {
        Endpoint src = Endpoint.of(source);
        switch (Demux.classify(b, 0, b.length)) {
            case DISCO -> {
                DiscoBox.Opened o = sock.discoBox().open(b, 0, b.length);
                if (o == null) {
                    return;
                }
                MagicSock.Peer p = sock.peerByDisco(o.sender());
                if (p == null) {
                    return;
                }
                Birthday.Pin pin = sock.birthday().onSideDisco(s, p.nodeKey(), source);
                if (pin == Birthday.Pin.NOT_OURS) {
                    return;
                }
                switch (o.message()) {
                    case DiscoMessage.Ping ping -> {
                        if (Arrays.equals(ping.senderNodeKey(), p.nodeKey().publicKey().toBytes())) {
                            sock.remember(src, p);
                            // pinned: the pong (and any ping) leaves through s
                            sock.perform(p, p.paths().onPingDirect(source, ping.txid()));
                            if (pin == Birthday.Pin.PINNED_NOW && !p.paths().snapshot().hasTrustedDirect()) {
                                sock.perform(p, p.paths().pingNow(source)); // prove the way back now, not in 5 s
                            }
                        }
                    }
                    case DiscoMessage.Pong pong -> sock.pongDirect(p, src, pong, s);
                    default -> {
                        // call-me-maybe only through the relay; unknown types ignored
                    }
                }
            }
            case WIREGUARD -> {
                Endpoint magic = sock.verifiedMagic(src);
                if (magic != null) {
                    // same inbox as relay packets (the engine sees one bind); the side-socket thread has no read
                    // batches, so each datagram is its own run
                    sock.bind().relayInbound(magic, b);
                    sock.bind().relayFlush();
                }
            }
            case STUN, JUNK -> {
                // a side socket never sends STUN; anything else is dropped
            }
        }
    }
}
