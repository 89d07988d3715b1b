package dev.warren.relay.server;

import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a relay server needs, validated once. Build with {@link #of} and the {@code with...} methods.
 *
 * @param host               address to listen on (TCP, and UDP for STUN); "0.0.0.0" or "::" for all
 * @param port               TCP port, 0 = any free one
 * @param privateKey         the relay's long-term key; clients seal their ClientInfo to its public half
 * @param tls                TLS for the TCP port, null = plain TCP
 * @param stunPort           UDP port of the STUN server on {@code host}, 0 = no STUN server, -1 = any free one
 * @param meshWith           other relays of the region to dial (host and port), empty = no mesh
 * @param meshKey            the region's shared 32-byte secret; required with {@code meshWith}, and to accept
 *                           mesh connections from others
 * @param meshTls            whether mesh peers speak TLS
 * @param meshTlsContext     TLS for dialling mesh peers, null = the JDK default trust
 * @param admission          who may connect ({@link Admission#allowAll()} without a control server)
 * @param rateBytesPerSecond per-client receive limit, 0 = none (mesh peers are exempt)
 * @param rateBurstBytes     the limit's burst, at least one maximal frame when a limit is set
 * @param maxClients         most concurrent client connections; more are refused with a Health frame
 * @param sendQueue          packets queued per client before the oldest is dropped
 * @param discoQueue         disco packets queued per client (a separate queue) before the oldest is dropped
 * @param handshakeTimeout   time for the HTTP upgrade and ClientInfo
 * @param writeDeadline      a client whose write blocks longer is dropped (mesh peers get 15 times as long)
 * @param keepAlive          KeepAlive interval (plus up to 5 s of jitter)
 * @param clock              time
 * @param scheduler          timers (keepalives, write-deadline sweep)
 */
public record RelayServerConfig(String host, int port, PrivateKey privateKey, SSLContext tls, int stunPort,
                                List<InetSocketAddress> meshWith, byte[] meshKey, boolean meshTls,
                                SSLContext meshTlsContext, Admission admission, long rateBytesPerSecond,
                                long rateBurstBytes, int maxClients, int sendQueue, int discoQueue,
                                Duration handshakeTimeout, Duration writeDeadline, Duration keepAlive, Clock clock,
                                Scheduler scheduler) {
    public static final int DEFAULT_MAX_CLIENTS = 10_000;
    public static final int DEFAULT_QUEUE = 32;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WRITE_DEADLINE = Duration.ofSeconds(2);
    /** The smallest burst a rate limit may have: one maximal SendPacket frame. */
    public static final long MIN_BURST = 5 + 32 + 65536;

    public RelayServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        meshWith = List.copyOf(meshWith);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        if (stunPort < -1 || stunPort > 65535) {
            throw new IllegalArgumentException("STUN port " + stunPort + " is outside 0..65535");
        }
        if (meshKey != null && meshKey.length != 32) {
            throw new IllegalArgumentException("mesh key must be 32 bytes, got " + meshKey.length);
        }
        if (!meshWith.isEmpty() && meshKey == null) {
            throw new IllegalArgumentException("meshing with other relays needs a mesh key");
        }
        if (rateBytesPerSecond < 0 || rateBurstBytes < 0) {
            throw new IllegalArgumentException("rate limit and burst must not be negative");
        }
        if (rateBytesPerSecond > 0 && rateBurstBytes < MIN_BURST) {
            throw new IllegalArgumentException("rate burst " + rateBurstBytes + " is smaller than one maximal frame ("
                    + MIN_BURST + " bytes)");
        }
        if (maxClients < 1 || sendQueue < 1 || discoQueue < 1) {
            throw new IllegalArgumentException("max clients and queue depths must be positive");
        }
        for (Duration d : List.of(handshakeTimeout, writeDeadline, keepAlive)) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    /** Defaults: no TLS, STUN off, no mesh, everyone admitted, no rate limit, DERP's queue depths and timers. */
    public static RelayServerConfig of(String host, int port, PrivateKey key, Clock clock, Scheduler scheduler) {
        return new RelayServerConfig(host, port, key, null, 0, List.of(), null, false, null, Admission.allowAll(), 0,
                0, DEFAULT_MAX_CLIENTS, DEFAULT_QUEUE, DEFAULT_QUEUE, DEFAULT_HANDSHAKE_TIMEOUT,
                DEFAULT_WRITE_DEADLINE, dev.warren.relay.RelayProtocol.KEEP_ALIVE, clock, scheduler);
    }

    public RelayServerConfig withTls(SSLContext c) {
        return new RelayServerConfig(host, port, privateKey, c, stunPort, meshWith, meshKey, meshTls, meshTlsContext,
                admission, rateBytesPerSecond, rateBurstBytes, maxClients, sendQueue, discoQueue, handshakeTimeout,
                writeDeadline, keepAlive, clock, scheduler);
    }

    public RelayServerConfig withStunPort(int p) {
        return new RelayServerConfig(host, port, privateKey, tls, p, meshWith, meshKey, meshTls, meshTlsContext,
                admission, rateBytesPerSecond, rateBurstBytes, maxClients, sendQueue, discoQueue, handshakeTimeout,
                writeDeadline, keepAlive, clock, scheduler);
    }

    public RelayServerConfig withMesh(List<InetSocketAddress> peers, byte[] key, boolean peersTls, SSLContext ctx) {
        return new RelayServerConfig(host, port, privateKey, tls, stunPort, peers, key, peersTls, ctx,
                admission, rateBytesPerSecond, rateBurstBytes, maxClients, sendQueue, discoQueue, handshakeTimeout,
                writeDeadline, keepAlive, clock, scheduler);
    }

    public RelayServerConfig withAdmission(Admission a) {
        return new RelayServerConfig(host, port, privateKey, tls, stunPort, meshWith, meshKey, meshTls,
                meshTlsContext, a, rateBytesPerSecond, rateBurstBytes, maxClients, sendQueue, discoQueue,
                handshakeTimeout, writeDeadline, keepAlive, clock, scheduler);
    }

    public RelayServerConfig withRateLimit(long bytesPerSecond, long burstBytes) {
        return new RelayServerConfig(host, port, privateKey, tls, stunPort, meshWith, meshKey, meshTls,
                meshTlsContext, admission, bytesPerSecond, burstBytes, maxClients, sendQueue, discoQueue,
                handshakeTimeout, writeDeadline, keepAlive, clock, scheduler);
    }

    public RelayServerConfig withLimits(int clients, Duration handshake, Duration write) {
        return new RelayServerConfig(host, port, privateKey, tls, stunPort, meshWith, meshKey, meshTls,
                meshTlsContext, admission, rateBytesPerSecond, rateBurstBytes, clients, sendQueue, discoQueue,
                handshake, write, keepAlive, clock, scheduler);
    }
}
