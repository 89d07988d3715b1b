package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.wireguard.TransportHeader;
import dev.warren.wire.wireguard.WgMessage;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The receive path of one socket, on one platform thread:
 *
 * <pre>
 * 1. receive a batch of datagrams (the bind splits GRO super-datagrams)
 * 2. classify by the first word: handshake messages go to the control loop (buffer ownership moves, a fresh
 *    pool buffer takes the slot); transport messages are matched to their session by receiver index;
 *    everything else is counted and dropped
 * 3. decrypt the transport messages in place (parallel for big batches)
 * 4. in arrival order: drop failed authentication, then the replay window, roaming (the endpoint follows the
 *    latest authenticated packet), session confirmation, inner-packet checks (valid IPv4/IPv6, trimmed to its
 *    own length, source inside the peer's allowed IPs)
 * 5. write the surviving packets to the TUN device as one batch (the device coalesces them for GRO)
 * 6. counters and timers once per peer per batch
 * </pre>
 */
final class Inbound implements Runnable {
    private static final System.Logger LOG = System.getLogger("warren.wireguard");

    private final Device device;
    private final Bind.Receiver receiver;
    private final Aead aead;
    private final PacketBuffer[] bufs;
    private final PacketBuffer[] out;
    private final int[] dataIndex;
    private final Keypair[] keypairs;
    private final long[] counters;
    private final int[] plain;
    private final OpenJob job = new OpenJob();
    private final CryptoPool.Batch poolBatch = new CryptoPool.Batch();

    // per-run bookkeeping of the peer whose packets are being processed
    private Peer runPeer;
    private long runBytes;
    private boolean runData;

    /** Chunked decryption, reused for every batch. */
    private final class OpenJob implements CryptoPool.Job {
        @Override
        public void run(int from, int to, Aead a) {
            for (int k = from; k < to; k++) {
                PacketBuffer b = bufs[dataIndex[k]];
                int off = b.offset() + TransportHeader.SIZE;
                int len = b.length() - TransportHeader.SIZE;
                plain[k] = a.open(keypairs[k].receiveKey, counters[k], b.inView(off, len), b.outView(off), null);
            }
        }
    }

    Inbound(Device device, Bind.Receiver receiver, Aead aead, int batch) {
        this.device = device;
        this.receiver = receiver;
        this.aead = aead;
        this.bufs = new PacketBuffer[batch];
        this.out = new PacketBuffer[batch];
        this.dataIndex = new int[batch];
        this.keypairs = new Keypair[batch];
        this.counters = new long[batch];
        this.plain = new int[batch];
    }

    @Override
    public void run() {
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = device.pool.acquire();
            if (bufs[i] == null) {
                throw new IllegalStateException("packet pool too small for the receive batch");
            }
        }
        try {
            while (true) {
                int n;
                try {
                    n = receiver.receive(bufs, bufs.length);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "UDP receive failed: {0}", e.getMessage());
                    continue;
                }
                try {
                    process(n);
                } catch (RuntimeException e) {
                    // A bug, never a peer's bytes (those are checked); keep receiving, and say so once in a while.
                    device.drops.count(Drops.Reason.INTERNAL_ERROR, n, e);
                    runPeer = null;
                    runBytes = 0;
                    runData = false;
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
        long now = device.clock.nanoTime();
        int data = 0;
        int lastIndex = 0;
        Keypair lastKp = null;
        for (int i = 0; i < n; i++) {
            PacketBuffer b = bufs[i];
            int len = b.length();
            if (len < 4) {
                device.drops.count(Drops.Reason.TRUNCATED);
                continue;
            }
            int type = b.getIntLE(b.offset());
            switch (type) {
                case WgMessage.TYPE_TRANSPORT -> {
                    if (len < TransportHeader.MIN_SIZE) {
                        device.drops.count(Drops.Reason.TRUNCATED);
                        continue;
                    }
                    int index = b.getIntLE(b.offset() + TransportHeader.OFFSET_RECEIVER);
                    Keypair kp;
                    if (lastKp != null && index == lastIndex) {
                        kp = lastKp;
                    } else if (device.indices.get(index) instanceof Keypair k) {
                        kp = k;
                        lastKp = k;
                        lastIndex = index;
                    } else {
                        device.drops.count(Drops.Reason.UNKNOWN_INDEX);
                        continue;
                    }
                    if (now - kp.created >= Protocol.REJECT_AFTER_TIME) {
                        device.drops.count(Drops.Reason.EXPIRED_SESSION);
                        continue;
                    }
                    keypairs[data] = kp;
                    counters[data] = b.getLongLE(b.offset() + TransportHeader.OFFSET_COUNTER);
                    dataIndex[data++] = i;
                }
                case WgMessage.TYPE_INITIATION, WgMessage.TYPE_RESPONSE, WgMessage.TYPE_COOKIE_REPLY -> handOver(i);
                default -> device.drops.count(Drops.Reason.UNKNOWN_TYPE);
            }
        }
        if (data == 0) {
            return;
        }
        device.crypto.run(poolBatch, job, data, aead);
        int written = 0;
        for (int k = 0; k < data; k++) {
            PacketBuffer b = bufs[dataIndex[k]];
            Keypair kp = keypairs[k];
            keypairs[k] = null;
            if (plain[k] < 0) {
                device.drops.count(Drops.Reason.AUTHENTICATION);
                continue;
            }
            if (!kp.validateCounter(counters[k])) {
                device.drops.count(Drops.Reason.REPLAY);
                continue;
            }
            Peer peer = kp.peer;
            if (peer != runPeer) {
                finishRun();
                runPeer = peer;
            }
            if (!b.sourceMatches(peer.endpoint)) {
                peer.endpoint = b.source();
            }
            if (peer.receivedWith(kp, device.retire)) {
                peer.timers.handshakeComplete(device.clock.epochNanos());
                device.requestFlush(peer);
            }
            int plen = plain[k];
            runBytes += plen + TransportHeader.MIN_SIZE;
            if (plen == 0) {
                continue; // keepalive
            }
            if (acceptInner(b, b.offset() + TransportHeader.SIZE, plen, peer)) {
                runData = true;
                out[written++] = b;
            }
        }
        finishRun();
        if (written > 0) {
            try {
                device.tun.write(out, 0, written);
            } catch (IOException e) {
                device.drops.count(Drops.Reason.WRITE_FAILED, written, e.getMessage());
            }
            for (int k = 0; k < written; k++) {
                out[k] = null;
            }
        }
    }

    /** Checks a decrypted packet and narrows the buffer's window to it; false drops it. */
    private boolean acceptInner(PacketBuffer b, int p, int plen, Peer peer) {
        int version = (b.getByte(p) & 0xff) >>> 4;
        Peer owner;
        int total;
        if (version == 4) {
            if (plen < 20) {
                device.drops.count(Drops.Reason.BAD_INNER_PACKET);
                return false;
            }
            total = b.getShortBE(p + 2);
            if (total < 20 || total > plen) {
                device.drops.count(Drops.Reason.BAD_INNER_PACKET);
                return false;
            }
            owner = device.allowedIps.lookupV4(b.getIntBE(p + 12));
        } else if (version == 6) {
            if (plen < 40) {
                device.drops.count(Drops.Reason.BAD_INNER_PACKET);
                return false;
            }
            total = 40 + b.getShortBE(p + 4);
            if (total > plen) {
                device.drops.count(Drops.Reason.BAD_INNER_PACKET);
                return false;
            }
            owner = device.allowedIps.lookupV6(b.getLongBE(p + 8), b.getLongBE(p + 16));
        } else {
            device.drops.count(Drops.Reason.BAD_INNER_PACKET);
            return false;
        }
        if (owner != peer) {
            device.drops.count(Drops.Reason.DISALLOWED_SOURCE);
            return false;
        }
        b.set(p, total);
        return true;
    }

    /** Timer events and counters for the peer whose packets were just processed. */
    private void finishRun() {
        Peer peer = runPeer;
        if (peer == null) {
            return;
        }
        peer.rxBytes.addAndGet(runBytes);
        device.keepKeyFreshReceiving(peer);
        PeerTimers t = peer.timers;
        t.anyAuthenticatedPacketTraversal();
        t.anyAuthenticatedPacketReceived();
        if (runData) {
            t.dataReceived();
        }
        runPeer = null;
        runBytes = 0;
        runData = false;
    }

    /** Moves a handshake message to the control loop, refilling the slot from the pool. */
    private void handOver(int i) {
        PacketBuffer fresh = device.pool.acquire();
        if (fresh == null) {
            device.drops.count(Drops.Reason.NO_BUFFER);
            return;
        }
        if (device.control.offerHandshake(bufs[i])) {
            bufs[i] = fresh;
        } else {
            fresh.release();
            device.drops.count(Drops.Reason.HANDSHAKE_QUEUE_FULL);
        }
    }
}
