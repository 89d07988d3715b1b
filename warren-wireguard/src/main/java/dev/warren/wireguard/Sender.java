package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.wireguard.TransportHeader;
import dev.warren.wire.wireguard.WgMessage;

import java.io.IOException;

/**
 * Seals a batch of one peer's packets into transport messages and sends them.
 *
 * <pre>
 * 1. reserve n consecutive counters from the session (one atomic add)
 * 2. per packet, in place: zero padding to 16 bytes (never past the MTU), write the 16-byte header into the
 *    headroom, ChaCha20-Poly1305 over the padded packet, tag appended in the tailroom (parallel for big batches)
 * 3. one Bind.send for the whole batch (GSO where the socket offers it)
 * 4. counters and timers once per batch
 * </pre>
 * One instance per sending thread: it holds that thread's job object and pool batch.
 */
final class Sender {
    private final Device device;
    private final Aead aead;
    private final CryptoPool.Batch poolBatch = new CryptoPool.Batch();
    private final SealJob job = new SealJob();
    /** A one-element batch for {@link #sendRaw}, reused (this sender belongs to one thread). */
    private final PacketBuffer[] single = new PacketBuffer[1];

    /** The chunked sealing work, reused for every batch of this sender. */
    private static final class SealJob implements CryptoPool.Job {
        Keypair keypair;
        long base;
        PacketBuffer[] bufs;
        int mtu;

        @Override
        public void run(int from, int to, Aead aead) {
            for (int i = from; i < to; i++) {
                seal(aead, keypair, base + i, bufs[i], mtu);
            }
        }
    }

    Sender(Device device, Aead aead) {
        this.device = device;
        this.aead = aead;
    }

    /** Seals one packet (window = plaintext, headroom and tailroom free) into a transport message in place. */
    static void seal(Aead aead, Keypair kp, long counter, PacketBuffer b, int mtu) {
        int off = b.offset();
        int len = b.length();
        int padded = Protocol.paddedSize(len, mtu);
        for (int i = off + len; i < off + padded; i++) {
            b.putByte(i, 0);
        }
        int hdr = off - TransportHeader.SIZE;
        b.putIntLE(hdr + TransportHeader.OFFSET_TYPE, TransportHeader.TYPE_WORD);
        b.putIntLE(hdr + TransportHeader.OFFSET_RECEIVER, kp.remoteIndex);
        b.putLongLE(hdr + TransportHeader.OFFSET_COUNTER, counter);
        int n = aead.seal(kp.sendKey, counter, b.inView(off, padded), b.outView(off), null);
        b.set(hdr, TransportHeader.SIZE + n);
    }

    /**
     * Seals and sends {@code bufs[0..n)} for {@code peer} under {@code kp}. Returns false, having sent nothing,
     * when the session has no counters left (the caller stages the packets and asks for a handshake). The
     * buffers stay owned by the caller; their windows afterwards hold the sent messages.
     */
    boolean send(Peer peer, Keypair kp, PacketBuffer[] bufs, int n, boolean parallel) {
        Endpoint ep = peer.endpoint;
        if (ep == null) {
            device.drops.count(Drops.Reason.NO_ENDPOINT, n, peer);
            return true;
        }
        long base = kp.reserveNonces(n);
        if (base < 0) {
            return false;
        }
        job.keypair = kp;
        job.base = base;
        job.bufs = bufs;
        job.mtu = device.tun.mtu();
        boolean data = false;
        try {
            if (parallel) {
                device.crypto.run(poolBatch, job, n, aead);
            } else {
                job.run(0, n, aead);
            }
        } finally {
            job.bufs = null;
            job.keypair = null;
        }
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            int len = bufs[i].length();
            bytes += len;
            data |= len > TransportHeader.MIN_SIZE;
        }
        try {
            device.bind.send(bufs, 0, n, ep);
        } catch (IOException e) {
            device.drops.count(Drops.Reason.SEND_FAILED, n, e.getMessage());
            return true;
        }
        peer.txBytes.addAndGet(bytes);
        PeerTimers t = peer.timers;
        t.anyAuthenticatedPacketTraversal();
        t.anyAuthenticatedPacketSent();
        if (data) {
            t.dataSent();
        }
        device.keepKeyFreshSending(peer, kp);
        return true;
    }

    /**
     * Sends the peer's staged packets under {@code kp}, oldest first, in batches of up to {@code scratch.length}.
     * Returns false when the session ran out of counters (what was not sent is staged again). The caller holds
     * the peer's send lock; {@code scratch} is the caller's.
     */
    boolean sendStagedLocked(Peer peer, Keypair kp, PacketBuffer[] scratch, boolean parallel) {
        while (peer.staged.size() > 0) {
            int n = 0;
            PacketBuffer b;
            while (n < scratch.length && (b = peer.staged.poll()) != null) {
                scratch[n++] = b;
            }
            boolean sent = send(peer, kp, scratch, n, parallel);
            for (int j = 0; j < n; j++) {
                if (sent) {
                    scratch[j].release();
                } else {
                    peer.stage(scratch[j], device.drops);
                }
                scratch[j] = null;
            }
            if (!sent) {
                return false;
            }
        }
        return true;
    }

    /** Sends one handshake message (already MAC'ed) to the peer's endpoint. */
    void sendHandshake(Peer peer, WgMessage msg, byte[] encoded) {
        Endpoint ep = peer.endpoint;
        if (ep == null) {
            device.drops.count(Drops.Reason.NO_ENDPOINT, 1, peer);
            return;
        }
        if (sendRaw(encoded, ep)) {
            peer.txBytes.addAndGet(encoded.length); // like wireguard-go: only what the socket accepted
        }
    }

    /** Sends bytes as one datagram (slow path: handshakes and cookie replies); false when it could not. */
    boolean sendRaw(byte[] encoded, Endpoint ep) {
        PacketBuffer b = device.pool.acquire();
        if (b == null) {
            device.drops.count(Drops.Reason.NO_BUFFER);
            return false;
        }
        try {
            b.copyFrom(encoded, 0, PacketBuffer.HEADROOM, encoded.length);
            b.set(PacketBuffer.HEADROOM, encoded.length);
            single[0] = b;
            device.bind.send(single, 0, 1, ep);
            return true;
        } catch (IOException e) {
            device.drops.count(Drops.Reason.SEND_FAILED, 1, e.getMessage());
            return false;
        } finally {
            single[0] = null;
            b.release();
        }
    }
}
