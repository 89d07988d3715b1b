package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.tables.AllowedIps;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.KeyAgreement;

/**
 * A model device that applies {@link SetRequest}s with the semantics documented on {@link SetRequest} and
 * {@link PeerChange} (which are wireguard-go's), atomically: it works on a copy and swaps it in. Tests use
 * it behind a real server and compare it with wireguard-go; the engine author can read it as the reference.
 */
final class InMemoryUapiDevice implements UapiDevice {
    private final Object lock = new Object();
    private Model model = new Model(); // guarded by lock
    /** A listen port whose "bind" fails with EADDRINUSE, to test error reporting. */
    volatile int busyPort = -1;
    /** Every request that was applied, in order. */
    final List<SetRequest> applied = new CopyOnWriteArrayList<>();

    @Override
    public DeviceState state() {
        synchronized (lock) {
            List<PeerState> peers = new ArrayList<>();
            for (PeerModel p : model.peers.values()) {
                peers.add(new PeerState(p.key, p.psk, p.endpoint, p.lastHandshakeNanos, p.tx, p.rx, p.keepalive,
                        model.allowed.entriesForPeer(p.key)));
            }
            return new DeviceState(model.privateKey, model.listenPort, model.fwmark, peers);
        }
    }

    @Override
    public void apply(SetRequest r) throws UapiException {
        synchronized (lock) {
            if (r.listenPort() != null && r.listenPort() == busyPort) {
                throw new UapiException(UapiException.EADDRINUSE, "listen port " + busyPort + " is in use");
            }
            Model m = model.copy();
            PublicKey self = m.privateKey == null ? null : publicKeyOf(m.privateKey);
            if (r.privateKey() != null) {
                m.privateKey = r.privateKey().isZero() ? null : r.privateKey();
                self = m.privateKey == null ? null : publicKeyOf(m.privateKey);
                if (self != null && m.peers.remove(self) != null) {
                    m.allowed.removeByPeer(self);
                }
            }
            if (r.listenPort() != null) {
                m.listenPort = r.listenPort();
            }
            if (r.fwmark() != null) {
                m.fwmark = r.fwmark();
            }
            if (r.replacePeers()) {
                m.peers.clear();
                m.allowed.clear();
            }
            for (PeerChange c : r.peers()) {
                if (c.publicKey().equals(self)) {
                    continue;
                }
                if (c.remove()) {
                    if (m.peers.remove(c.publicKey()) != null) {
                        m.allowed.removeByPeer(c.publicKey());
                    }
                    continue;
                }
                PeerModel p = m.peers.get(c.publicKey());
                if (p == null) {
                    if (c.updateOnly()) {
                        continue;
                    }
                    p = new PeerModel(c.publicKey());
                    m.peers.put(c.publicKey(), p);
                }
                if (c.presharedKey() != null) {
                    p.psk = c.presharedKey();
                }
                if (c.endpoint() != null) {
                    p.endpoint = c.endpoint();
                }
                if (c.persistentKeepaliveSeconds() != null) {
                    p.keepalive = c.persistentKeepaliveSeconds();
                }
                PeerModel owner = p;
                m.allowed.batch(b -> {
                    if (c.replaceAllowedIps()) {
                        b.removeByPeer(owner.key);
                    }
                    for (IpPrefix prefix : c.removeAllowedIps()) {
                        b.remove(prefix, owner.key);
                    }
                    for (IpPrefix prefix : c.addAllowedIps()) {
                        b.insert(prefix, owner.key);
                    }
                });
            }
            // A peer that lost its last prefix to another peer keeps existing, as in wireguard-go.
            model = m;
            applied.add(r);
        }
    }

    /** Sets traffic counters and handshake time of a peer, as the engine would report them. */
    void setStats(PublicKey key, long lastHandshakeNanos, long tx, long rx) {
        synchronized (lock) {
            PeerModel p = model.peers.get(key);
            p.lastHandshakeNanos = lastHandshakeNanos;
            p.tx = tx;
            p.rx = rx;
        }
    }

    /** X25519(k, 9) with the JDK's XDH provider: the public key of a private key. */
    static PublicKey publicKeyOf(PrivateKey k) {
        try {
            KeyFactory kf = KeyFactory.getInstance("XDH");
            KeyAgreement ka = KeyAgreement.getInstance("XDH");
            ka.init(kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, k.toBytes())));
            ka.doPhase(kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9))), true);
            return PublicKey.of(ka.generateSecret());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class PeerModel {
        final PublicKey key;
        PresharedKey psk = PresharedKey.NONE;
        Endpoint endpoint;
        int keepalive;
        long lastHandshakeNanos;
        long tx;
        long rx;

        PeerModel(PublicKey key) {
            this.key = key;
        }

        PeerModel copy() {
            PeerModel c = new PeerModel(key);
            c.psk = psk;
            c.endpoint = endpoint;
            c.keepalive = keepalive;
            c.lastHandshakeNanos = lastHandshakeNanos;
            c.tx = tx;
            c.rx = rx;
            return c;
        }
    }

    private static final class Model {
        PrivateKey privateKey;
        int listenPort;
        int fwmark;
        final Map<PublicKey, PeerModel> peers = new LinkedHashMap<>();
        final AllowedIps<PublicKey> allowed = new AllowedIps<>();

        Model copy() {
            Model m = new Model();
            m.privateKey = privateKey;
            m.listenPort = listenPort;
            m.fwmark = fwmark;
            for (PeerModel p : peers.values()) {
                m.peers.put(p.key, p.copy());
                for (IpPrefix prefix : allowed.entriesForPeer(p.key)) {
                    m.allowed.insert(prefix, p.key);
                }
            }
            return m;
        }
    }
}
