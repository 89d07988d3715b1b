package dev.warren.node.internal;

import dev.warren.node.PeerPath;
import dev.warren.node.PingReply;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.time.Clock;
import dev.warren.wireguard.Device;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ICMP/ICMPv6 echo through the tunnel: builds an echo request from our Warren address, hands it to the engine as if
 * the TUN had produced it, and waits for {@link PingTun} to catch the peer kernel's reply (which never reaches our
 * kernel). The reply carries no path; callers add it.
 *
 * <p>Thread-safe: each echo has its own sequence number and reply slot.
 */
public final class TunnelPinger {
    private final Device device;
    private final PingTun tun;
    private final Clock clock;
    private final SecureRandom rng = new SecureRandom();
    private final int pingId = rng.nextInt(1 << 16);
    private final AtomicInteger pingSeq = new AtomicInteger();

    public TunnelPinger(Device device, PingTun tun, Clock clock) {
        this.device = device;
        this.tun = tun;
        this.clock = clock;
    }

    /** Sends one echo from {@code src} to {@code dst} (both 4 or both 16 bytes) and waits up to {@code timeout}. */
    public PingReply echo(byte[] src, byte[] dst, Duration timeout) throws IOException {
        String dstText = IpAddresses.format(dst);
        int seq = pingSeq.incrementAndGet() & 0xffff;
        long key = Icmp.key(dst.length == 16, pingId, seq);
        byte[] payload = new byte[16];
        rng.nextBytes(payload);
        CompletableFuture<Long> reply = tun.expect(key);
        long start = clock.nanoTime();
        try {
            int type = dst.length == 4 ? Icmp.V4_ECHO_REQUEST : Icmp.V6_ECHO_REQUEST;
            if (!device.injectOutbound(Icmp.echo(type, src, dst, pingId, seq, payload))) {
                return PingReply.failed(dstText, "no route to " + dstText + " in the engine");
            }
            long at = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new PingReply(true, (at - start) / 1e6, PeerPath.NONE, dstText, null);
        } catch (TimeoutException e) {
            return PingReply.failed(dstText, "timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return PingReply.failed(dstText, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            tun.forget(key);
        }
    }
}
