package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.datapath.PacketBuffer;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The send path, on one platform thread (a blocking TUN read pins a virtual thread's carrier):
 *
 * <pre>
 * 1. read a batch of IP packets from the TUN device (the device splits TSO super-packets)
 * 2. route each by destination address through the allowed-IPs trie; unroutable packets are dropped
 * 3. per peer, in arrival order: with a usable session and nothing staged, seal and send the packets as one
 *    batch (see {@link Sender}); otherwise move them to the peer's staged queue (swapping in fresh pool
 *    buffers) and ask the control loop for a handshake or a flush
 * </pre>
 * The thread owns {@code bufs}; staging hands a buffer's ownership to the peer's queue.
 */
final class Outbound implements Runnable {
    private static final System.Logger LOG = System.getLogger("warren.wireguard");

    private final Device device;
    private final Sender sender;
    private final PacketBuffer[] bufs;
    private final Peer[] route;
    private final PacketBuffer[] run;
    private final int[] runIndex;

    Outbound(Device device, Aead aead, int batch) {
        this.device = device;
        this.sender = new Sender(device, aead);
        this.bufs = new PacketBuffer[batch];
        this.route = new Peer[batch];
        this.run = new PacketBuffer[batch];
        this.runIndex = new int[batch];
    }

    @Override
    public void run() {
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = device.pool.acquire();
            if (bufs[i] == null) {
                throw new IllegalStateException("packet pool too small for the TUN batch");
            }
        }
        try {
            while (true) {
                int n;
                try {
                    n = device.tun.read(bufs, bufs.length);
                } catch (ClosedChannelException e) {
                    device.tunClosed();
                    return;
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "TUN read failed: {0}", e.getMessage());
                    device.tunClosed();
                    return;
                }
                if (n > 0) {
                    try {
                        process(n);
                    } catch (RuntimeException e) {
                        device.drops.count(Drops.Reason.INTERNAL_ERROR, n, e);
                    }
                }
            }
        } finally {
            for (PacketBuffer b : bufs) {
                if (b != null) {
                    b.release();
                }
            }
        }
    }

    private void process(int n) {
        Peer only = null;
        boolean mixed = false;
        for (int i = 0; i < n; i++) {
            Peer p = device.routeOutbound(bufs[i]);
            route[i] = p;
            if (p == null) {
                device.drops.count(Drops.Reason.NO_ROUTE);
            } else if (only == null) {
                only = p;
            } else if (p != only) {
                mixed = true;
            }
        }
        if (only == null) {
            return;
        }
        if (!mixed) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (route[i] != null) {
                    runIndex[k++] = i;
                }
            }
            sendRun(only, k);
            return;
        }
        for (int i = 0; i < n; i++) {
            Peer p = route[i];
            if (p == null) {
                continue;
            }
            int k = 0;
            for (int j = i; j < n; j++) {
                if (route[j] == p) {
                    runIndex[k++] = j;
                    route[j] = null;
                }
            }
            sendRun(p, k);
        }
    }

    /**
     * Sends or stages the packets {@code bufs[runIndex[0..k)]} of one peer. With a usable session it takes the
     * peer's send lock, first sends whatever is staged (older packets go first), then this run.
     */
    private void sendRun(Peer peer, int k) {
        if (!peer.running) {
            return;
        }
        Keypair kp = peer.current;
        if (kp != null && device.usableForSending(kp)) {
            peer.sendLock.lock();
            try {
                if (sender.sendStagedLocked(peer, kp, run, true)) {
                    for (int j = 0; j < k; j++) {
                        run[j] = bufs[runIndex[j]];
                    }
                    boolean sent = sender.send(peer, kp, run, k, true);
                    for (int j = 0; j < k; j++) {
                        run[j] = null;
                    }
                    if (sent) {
                        return;
                    }
                }
            } finally {
                peer.sendLock.unlock();
            }
        }
        for (int j = 0; j < k; j++) {
            int i = runIndex[j];
            PacketBuffer fresh = device.pool.acquire();
            if (fresh == null) {
                device.drops.count(Drops.Reason.NO_BUFFER);
                continue;
            }
            peer.stage(bufs[i], device.drops);
            bufs[i] = fresh;
        }
        device.requestHandshake(peer);
    }
}
