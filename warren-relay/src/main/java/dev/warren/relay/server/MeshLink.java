package dev.warren.relay.server;

import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PublicKey;

import java.net.InetSocketAddress;
import java.util.logging.Logger;

/**
 * This relay's connection to one other relay of its region: a {@link RelayClient} that authenticates with the
 * shared mesh key and watches the other relay's connection list. What it hears (PeerPresent, PeerGone, the link
 * going down) updates the {@link Router}'s forwarding table; packets for keys it reported are sent through it as
 * ForwardPacket, which the other relay delivers to its own client and never forwards again.
 *
 * <p>Threads: callbacks arrive on the client's reader thread; {@link #forward} is called by connection readers.
 */
final class MeshLink implements Router.Forwarder, RelayClient.Listener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MeshLink.class.getName());

    private final Router router;
    private final String peer;
    private final PublicKey self;
    private final RelayClient client;

    MeshLink(Router router, InetSocketAddress peerAddr, PublicKey self, RelayServerConfig cfg) {
        this.router = router;
        this.peer = peerAddr.getHostString() + ":" + peerAddr.getPort();
        this.self = self;
        String ip = peerAddr.isUnresolved() ? null : peerAddr.getAddress().getHostAddress();
        boolean v6 = ip != null && ip.contains(":");
        RelayMap.RelayNode node = new RelayMap.RelayNode("mesh:" + peer, peerAddr.getHostString(),
                v6 ? null : ip, v6 ? ip : null, peerAddr.getPort(), 0, cfg.meshTls());
        this.client = RelayClient.start(new RelayClientConfig(node, cfg.privateKey(), cfg.meshKey(),
                cfg.meshTlsContext(), cfg.clock(), cfg.scheduler()), this);
    }

    @Override
    public void forward(PublicKey src, PublicKey dst, byte[] frame, int off, int len) {
        client.forward(src, dst, frame, off, len);
    }

    @Override
    public void packet(PublicKey src, byte[] b, int off, int len) {
        // a relay sends mesh peers no packets; nothing to deliver
    }

    @Override
    public void peerPresent(PublicKey key) {
        if (!key.equals(self)) {
            router.meshPresent(this, key);
        }
    }

    @Override
    public void peerGone(PublicKey key, int reason) {
        router.meshGone(this, key);
    }

    @Override
    public void connected() {
        if (self.equals(client.serverKey())) {
            LOG.warning("relay mesh: " + peer + " is this relay itself; not meshing with it");
            client.close();
            return;
        }
        LOG.info("relay mesh: connected to " + peer);
    }

    @Override
    public void disconnected(String why) {
        router.meshDown(this);
        LOG.info("relay mesh: link to " + peer + " down: " + why);
    }

    boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        client.close();
    }
}
