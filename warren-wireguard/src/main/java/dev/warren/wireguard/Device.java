package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.crypto.X25519;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import dev.warren.wire.datapath.TunDevice;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;
import dev.warren.wireguard.tables.AllowedIps;
import dev.warren.wireguard.tables.IndexTable;
import dev.warren.wireguard.uapi.DeviceState;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiDevice;
import dev.warren.wireguard.uapi.UapiException;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A userspace WireGuard interface: one TUN device, one {@link Bind}, a set of peers.
 *
 * <p>Threads (all platform threads; blocking FFM calls would pin virtual threads):
 * <pre>
 * wg-tun         TUN read → route → seal → UDP send              ({@link Outbound})
 * wg-udp-N       UDP receive → open → checks → TUN write, per socket ({@link Inbound})
 * wg-control     handshakes, timer actions, staged flushes       ({@link ControlLoop}, {@link HandshakeHandler})
 * wg-timers      fires timers, hands the work to wg-control      ({@link Scheduler})
 * wg-crypto-N    help seal/open large batches                    ({@link CryptoPool})
 * </pre>
 *
 * <p>Configuration ({@link #apply}, {@link #state}) is serialised by {@code configLock}; the packet paths never
 * take it. They read peers through the allowed-IPs trie and the index table (both lock-free for readers) and
 * peer fields that are volatile. Lock order: {@code configLock} → a peer's handshake → its keypairsLock.
 */
public final class Device implements UapiDevice, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.wireguard");
    /** Without configuration, the bind opens on a random port this long after start. */
    public static final long BIND_IDLE_OPEN_MS = 250;

    /** How a device is built; {@link #defaults()} suits production. */
    public record Options(Clock clock, Scheduler scheduler, RandomGenerator rng, int cryptoWorkers, int poolBuffers,
                          String name) {
        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(rng, "rng");
            if (cryptoWorkers < 0 || poolBuffers < 256) {
                throw new IllegalArgumentException("cryptoWorkers must be >= 0 and poolBuffers >= 256");
            }
        }

        public static Options defaults(Scheduler scheduler, String name) {
            int workers = Integer.getInteger("warren.crypto.workers",
                    Math.max(0, Runtime.getRuntime().availableProcessors() - 1));
            return new Options(Clock.system(), scheduler, new SecureRandom(), workers,
                    Integer.getInteger("warren.pool.buffers", 2048), name);
        }

        public Options withClock(Clock c) {
            return new Options(c, scheduler, rng, cryptoWorkers, poolBuffers, name);
        }

        public Options withRng(RandomGenerator r) {
            return new Options(clock, scheduler, r, cryptoWorkers, poolBuffers, name);
        }

        public Options withScheduler(Scheduler s) {
            return new Options(clock, s, rng, cryptoWorkers, poolBuffers, name);
        }

        public Options withCryptoWorkers(int n) {
            return new Options(clock, scheduler, rng, n, poolBuffers, name);
        }
    }

    final Clock clock;
    final RandomGenerator rng;
    final TunDevice tun;
    final Bind bind;
    final PacketPool pool;
    final CryptoPool crypto;
    final ControlLoop control;
    final Drops drops;
    final IndexTable<Object> indices;
    final AllowedIps<Peer> allowedIps = new AllowedIps<>();
    final Consumer<Keypair> retire = this::retire;
    private final ConcurrentHashMap<PublicKey, Peer> peers = new ConcurrentHashMap<>();
    private final CookieChecker cookieChecker;
    private final HandshakeHandler handshakes;
    private final PeerTimers.Factory timers;
    private final Options options;
    private final DeviceConfig config;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    volatile StaticIdentity identity;
    private volatile boolean closing;
    private Thread tunThread;

    private Device(TunDevice tun, Bind bind, Options options) {
        this.tun = tun;
        this.bind = bind;
        this.options = options;
        this.clock = options.clock();
        this.rng = options.rng();
        this.drops = new Drops(clock);
        this.indices = new IndexTable<>(rng);
        this.pool = new PacketPool(options.poolBuffers(), 65536 + PacketBuffer.HEADROOM + PacketBuffer.TAILROOM);
        this.crypto = new CryptoPool(options.cryptoWorkers(), Aead::create, options.name());
        this.control = new ControlLoop(clock, options.name());
        this.cookieChecker = new CookieChecker(clock, rng);
        this.handshakes = new HandshakeHandler(this, Aead.create(), cookieChecker, new RateLimiter(clock),
                Math.max(1, bind.batchSize()));
        this.timers = PeerTimers.factory(clock, options.scheduler(), control,
                java.util.random.RandomGenerator.of("L64X128MixRandom"), handshakes);
        this.config = new DeviceConfig(this);
    }

    /**
     * Builds a device over {@code tun} and {@code bind} and starts its threads. The bind opens with the first
     * configuration (on its listen port), or on a random port if none arrives within {@link #BIND_IDLE_OPEN_MS}:
     * a daemon configured right after start (wg-quick, scripts) then opens its sockets once, on the right port.
     */
    public static Device start(TunDevice tun, Bind bind, Options options) throws IOException {
        Device d = new Device(tun, bind, options);
        d.control.start(d.handshakes::handle);
        Thread.ofVirtual().name(options.name() + "-bind-open").start(() -> {
            try {
                Thread.sleep(BIND_IDLE_OPEN_MS);
                d.config.openBindIfIdle();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot open UDP sockets: {0}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        d.tunThread = Thread.ofPlatform().daemon().name(options.name() + "-tun")
                .start(new Outbound(d, Aead.create(), Math.max(1, tun.batchSize())));
        return d;
    }

    // ---- configuration (UAPI) -------------------------------------------------------------------------------

    @Override
    public DeviceState state() {
        return config.state();
    }

    @Override
    public void apply(SetRequest request) throws UapiException {
        config.apply(request);
    }

    /** Completes when the device has shut down (closed, or its TUN interface was deleted). */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** Per-reason drop counters. */
    public Drops drops() {
        return drops;
    }

    /** The UDP port the device listens on now. */
    public int listenPort() {
        return config.boundPort();
    }

    public String name() {
        return tun.name();
    }

    // ---- peers (called by DeviceConfig under its lock) ------------------------------------------------------

    Peer peerByKey(PublicKey key) {
        return peers.get(key);
    }

    Peer createPeer(PublicKey key) {
        Peer p = new Peer(key, new CookieGenerator(clock, key), timers);
        p.initiateTask = () -> {
            p.initiationQueued.set(false);
            handshakes.sendHandshakeInitiation(p, false);
        };
        p.flushTask = () -> {
            p.flushQueued.set(false);
            handshakes.sendStaged(p);
        };
        StaticIdentity id = identity;
        synchronized (p.handshake) {
            p.handshake.precomputedStaticStatic = staticStatic(id, key);
        }
        peers.put(key, p);
        return p;
    }

    void removePeer(Peer p) {
        p.running = false;
        peers.remove(p.publicKey, p);
        allowedIps.removeByPeer(p);
        p.timers.stopAll();
        zeroAndFlushAll(p);
    }

    /** Sets a new static identity (null = none), re-deriving every peer's static-static secret. */
    void setIdentity(StaticIdentity id, Iterable<Peer> all) {
        identity = id;
        cookieChecker.init(id == null ? null : id.publicKey());
        for (Peer p : all) {
            synchronized (p.handshake) {
                p.handshake.precomputedStaticStatic = staticStatic(id, p.publicKey);
                handshakes.noise().releaseIndexLocked(p.handshake, p);
                handshakes.noise().releaseCrossedLocked(p.handshake, p);
                p.handshake.clearLocked();
                p.handshake.lastSentHandshake = clock.nanoTime() - Protocol.REKEY_TIMEOUT - Protocol.SECOND;
            }
            p.expireCurrentKeypairs();
        }
    }

    private static byte[] staticStatic(StaticIdentity id, PublicKey peer) {
        if (id == null) {
            return new byte[32];
        }
        try {
            return X25519.sharedSecret(id.privateKey(), peer);
        } catch (InvalidKeyException e) {
            return new byte[32]; // a low-order peer key: no handshake is possible with it
        }
    }

    /** Sends a keepalive from the control loop (persistent keepalive was just turned on). */
    void keepaliveSoon(Peer p) {
        control.execute(() -> handshakes.sendKeepalive(p));
    }

    /**
     * Sends one IP packet into the tunnel as if it had been read from the TUN device: routed by its destination
     * through the allowed IPs, staged on that peer and flushed by the control loop (which starts a handshake when
     * there is no session). For probes a node makes itself, such as {@code warren ping}.
     *
     * @return false when no peer's allowed IPs hold the destination, the packet is malformed or too large, or no
     *         buffer is free
     */
    public boolean injectOutbound(byte[] packet) {
        if (closing || packet.length == 0 || packet.length > pool.bufferSize() - PacketBuffer.HEADROOM
                - PacketBuffer.TAILROOM) {
            return false;
        }
        PacketBuffer b = pool.acquire();
        if (b == null) {
            drops.count(Drops.Reason.NO_BUFFER);
            return false;
        }
        b.copyFrom(packet, 0, PacketBuffer.HEADROOM, packet.length);
        b.set(PacketBuffer.HEADROOM, packet.length);
        Peer p = routeOutbound(b);
        if (p == null || !p.running) {
            b.release();
            return false;
        }
        p.stage(b, drops);
        requestFlush(p);
        return true;
    }

    // ---- packet-path helpers -----------------------------------------------------------------------------------

    /** The peer whose allowed IPs hold the packet's destination, or null (also for malformed packets). */
    Peer routeOutbound(PacketBuffer b) {
        int off = b.offset();
        int len = b.length();
        if (len < 1) {
            return null;
        }
        int version = (b.getByte(off) & 0xff) >>> 4;
        if (version == 4 && len >= 20) {
            return allowedIps.lookupV4(b.getIntBE(off + 16));
        }
        if (version == 6 && len >= 40) {
            return allowedIps.lookupV6(b.getLongBE(off + 24), b.getLongBE(off + 32));
        }
        return null;
    }

    boolean usableForSending(Keypair kp) {
        return kp.sendNonce() >= 0 && clock.nanoTime() - kp.created < Protocol.REJECT_AFTER_TIME;
    }

    void requestHandshake(Peer p) {
        if (p.initiationQueued.compareAndSet(false, true)) {
            control.execute(p.initiateTask);
        }
    }

    void requestFlush(Peer p) {
        if (p.flushQueued.compareAndSet(false, true)) {
            control.execute(p.flushTask);
        }
    }

    /** Initiators renew sessions that are old or heavily used (paper §6.2). */
    void keepKeyFreshSending(Peer p, Keypair kp) {
        long nonce = kp.sendNonce();
        if (nonce < 0 || nonce > Protocol.REKEY_AFTER_MESSAGES
                || (kp.initiator && clock.nanoTime() - kp.created > Protocol.REKEY_AFTER_TIME)) {
            requestHandshake(p);
        }
    }

    /** An initiator whose session nears its end renews it once when receiving, in case it sends nothing. */
    void keepKeyFreshReceiving(Peer p) {
        if (p.timers.sentLastMinuteHandshake) {
            return;
        }
        Keypair kp = p.current;
        if (kp != null && kp.initiator && clock.nanoTime() - kp.created
                > Protocol.REJECT_AFTER_TIME - Protocol.KEEPALIVE_TIMEOUT - Protocol.REKEY_TIMEOUT) {
            p.timers.sentLastMinuteHandshake = true;
            requestHandshake(p);
        }
    }

    void installSession(Peer p, Keypair kp) {
        for (Keypair old : p.install(kp)) {
            if (old != null) {
                retire(old);
            }
        }
        p.timers.sessionDerived();
    }

    void retire(Keypair kp) {
        indices.remove(kp.localIndex, kp);
    }

    /** Forgets every session and the handshake in progress, and drops staged packets. */
    void zeroAndFlushAll(Peer p) {
        for (Keypair kp : p.clearKeypairs()) {
            if (kp != null) {
                retire(kp);
            }
        }
        synchronized (p.handshake) {
            handshakes.noise().releaseIndexLocked(p.handshake, p);
            handshakes.noise().releaseCrossedLocked(p.handshake, p);
            p.handshake.clearLocked();
        }
        p.flushStaged();
    }

    List<Peer> peersSnapshot() {
        return List.copyOf(peers.values());
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    /** The TUN device went away (closed or deleted): shut the whole device down. */
    void tunClosed() {
        if (!closing) {
            LOG.log(System.Logger.Level.INFO, "interface {0} is gone; shutting down", tun.name());
            Thread.ofPlatform().daemon().name(options.name() + "-shutdown").start(this::close);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        for (Peer p : peersSnapshot()) {
            p.running = false;
            p.timers.stopAll();
        }
        config.closeBind();
        tun.close();
        if (tunThread != null && Thread.currentThread() != tunThread) {
            try {
                tunThread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        control.close();
        crypto.close();
        for (Peer p : peersSnapshot()) {
            zeroAndFlushAll(p);
        }
        closed.complete(null);
    }

    Options options() {
        return options;
    }
}
