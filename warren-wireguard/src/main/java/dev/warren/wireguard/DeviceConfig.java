package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.uapi.DeviceState;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.PeerState;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiException;

import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A device's configuration: applying UAPI transactions atomically and reporting state, and the bind's
 * lifecycle (listen port, fwmark, receiver threads).
 *
 * <pre>
 * apply(request)
 * 1. the fallible steps first, undone on failure: fwmark, then listen port (rebind)
 * 2. private key (peers with that public key go; every session is expired)
 * 3. replace_peers, then each peer section in order: remove / create / update / allowed IPs
 * 4. keepalives for peers whose persistent keepalive was just turned on
 * </pre>
 * Validation of syntax and ranges happened in the parser, so after step 1 nothing can fail half-way.
 *
 * <p>Concurrency: everything here is guarded by {@code lock}; {@code order} keeps peers in creation order for
 * {@code wg show}.
 */
final class DeviceConfig {
    private static final System.Logger LOG = System.getLogger("warren.wireguard");

    private final Device device;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final Map<PublicKey, Peer> order = new LinkedHashMap<>();
    // guarded by lock
    private int fwmark;
    // guarded by lock; 0 while closed
    private volatile int boundPort;
    // guarded by lock
    private final List<Thread> receivers = new ArrayList<>();
    // guarded by lock
    private boolean bindOpen;
    // guarded by lock; set once the device shuts down
    private boolean closed;

    DeviceConfig(Device device) {
        this.device = device;
    }

    int boundPort() {
        return boundPort;
    }

    DeviceState state() {
        lock.lock();
        try {
            StaticIdentity id = device.identity;
            List<PeerState> peers = new ArrayList<>(order.size());
            for (Peer p : order.values()) {
                PresharedKey psk;
                synchronized (p.handshake) {
                    psk = p.handshake.presharedKey;
                }
                peers.add(new PeerState(p.publicKey, psk, p.endpoint, p.lastHandshakeEpochNanos, p.txBytes.get(),
                        p.rxBytes.get(), p.persistentKeepalive, device.allowedIps.entriesForPeer(p)));
            }
            return new DeviceState(id == null ? null : id.privateKey(), boundPort, fwmark, peers);
        } finally {
            lock.unlock();
        }
    }

    void apply(SetRequest req) throws UapiException {
        lock.lock();
        try {
            applyLocked(req);
        } finally {
            lock.unlock();
        }
    }

    private void applyLocked(SetRequest req) throws UapiException {
        if (!bindOpen && req.listenPort() == null) {
            try {
                openLocked(0);
            } catch (IOException e) {
                throw new UapiException(UapiException.EIO, "cannot open UDP sockets: " + e.getMessage(), e);
            }
        }
        int oldMark = fwmark;
        if (req.fwmark() != null && req.fwmark() != fwmark) {
            try {
                device.bind.setMark(req.fwmark());
                fwmark = req.fwmark();
            } catch (IOException e) {
                throw new UapiException(UapiException.EADDRINUSE, "cannot set fwmark: " + e.getMessage(), e);
            }
        }
        if (req.listenPort() != null && (req.listenPort() == 0 || req.listenPort() != boundPort)) {
            int old = boundPort;
            try {
                rebindLocked(req.listenPort());
            } catch (IOException e) {
                try {
                    rebindLocked(old);
                } catch (IOException again) {
                    LOG.log(System.Logger.Level.ERROR, "cannot restore listen port {0}: {1}", old, again.getMessage());
                }
                if (fwmark != oldMark) {
                    try {
                        device.bind.setMark(oldMark);
                        fwmark = oldMark;
                    } catch (IOException ignored) {
                        // the mark stays; reported below with the port failure
                    }
                }
                int errno = e instanceof BindException ? UapiException.EADDRINUSE : UapiException.EIO;
                throw new UapiException(errno, "cannot listen on port " + req.listenPort() + ": " + e.getMessage(), e);
            }
        }
        if (req.privateKey() != null) {
            StaticIdentity id = req.privateKey().isZero() ? null : StaticIdentity.of(req.privateKey());
            StaticIdentity cur = device.identity;
            boolean same = (id == null && cur == null) || (id != null && cur != null && id.privateKey().equals(cur.privateKey()));
            if (!same) {
                if (id != null) {
                    Peer self = order.get(id.publicKey());
                    if (self != null) {
                        removeLocked(self);
                    }
                }
                device.setIdentity(id, order.values());
            }
        }
        if (req.replacePeers()) {
            for (Peer p : List.copyOf(order.values())) {
                removeLocked(p);
            }
        }
        List<Peer> keepaliveNow = new ArrayList<>();
        for (PeerChange c : req.peers()) {
            applyPeerLocked(c, keepaliveNow);
        }
        for (Peer p : keepaliveNow) {
            if (p.running) {
                device.keepaliveSoon(p);
            }
        }
    }

    private void applyPeerLocked(PeerChange c, List<Peer> keepaliveNow) {
        StaticIdentity id = device.identity;
        if (id != null && id.publicKey().equals(c.publicKey())) {
            return; // a peer with our own key is ignored, as wireguard-go does
        }
        Peer p = order.get(c.publicKey());
        if (c.remove()) {
            if (p != null) {
                removeLocked(p);
            }
            return;
        }
        if (p == null) {
            if (c.updateOnly()) {
                return;
            }
            p = device.createPeer(c.publicKey());
            order.put(c.publicKey(), p);
        }
        if (c.presharedKey() != null) {
            synchronized (p.handshake) {
                p.handshake.presharedKey = c.presharedKey();
            }
        }
        boolean endpointLearned = false;
        if (c.endpoint() != null) {
            endpointLearned = p.endpoint == null;
            p.endpoint = c.endpoint();
        }
        if (c.persistentKeepaliveSeconds() != null) {
            int old = p.persistentKeepalive;
            p.persistentKeepalive = c.persistentKeepaliveSeconds();
            if (old == 0 && c.persistentKeepaliveSeconds() > 0) {
                keepaliveNow.add(p);
                endpointLearned = false;
            }
        }
        // A peer that had nowhere to send (packets waiting, or a keepalive that failed for want of an endpoint)
        // gets its handshake now rather than at the next retry, up to REKEY_TIMEOUT later.
        if (endpointLearned && (p.staged.size() > 0 || p.persistentKeepalive > 0)) {
            synchronized (p.handshake) {
                // the attempt that found no endpoint sent nothing: it must not hold the next one back
                p.handshake.lastSentHandshake = device.clock.nanoTime() - Protocol.REKEY_TIMEOUT - Protocol.SECOND;
            }
            keepaliveNow.add(p);
        }
        Peer peer = p;
        if (c.replaceAllowedIps() || !c.removeAllowedIps().isEmpty() || !c.addAllowedIps().isEmpty()) {
            device.allowedIps.batch(b -> {
                if (c.replaceAllowedIps()) {
                    b.removeByPeer(peer);
                }
                for (IpPrefix pr : c.removeAllowedIps()) {
                    b.remove(pr, peer);
                }
                for (IpPrefix pr : c.addAllowedIps()) {
                    b.insert(pr, peer);
                }
            });
        }
    }

    private void removeLocked(Peer p) {
        order.remove(p.publicKey);
        device.removePeer(p);
    }

    // ---- the bind ------------------------------------------------------------------------------------------

    /** Opens the bind on a random port unless configuration opened it already (called shortly after start). */
    void openBindIfIdle() throws IOException {
        lock.lock();
        try {
            if (!bindOpen && !closed) {
                openLocked(0);
            }
        } finally {
            lock.unlock();
        }
    }

    void closeBind() {
        lock.lock();
        try {
            closed = true;
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    private void rebindLocked(int port) throws IOException {
        closeLocked();
        openLocked(port);
    }

    private void openLocked(int port) throws IOException {
        Bind.Opened opened = device.bind.open(port);
        bindOpen = true;
        if (fwmark != 0) {
            device.bind.setMark(fwmark);
        }
        boundPort = opened.port();
        int i = 0;
        for (Bind.Receiver r : opened.receivers()) {
            Inbound in = new Inbound(device, r, Aead.create(), Math.max(1, device.bind.batchSize()));
            receivers.add(Thread.ofPlatform().daemon().name(device.options().name() + "-udp-" + i++).start(in));
        }
    }

    private void closeLocked() {
        if (!bindOpen) {
            return;
        }
        device.bind.close();
        bindOpen = false;
        for (Thread t : receivers) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        receivers.clear();
        boundPort = 0;
    }
}
