package dev.warren.relay.server;

import dev.warren.relay.FrameReader;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * One admitted connection on the relay: a client (or a mesh peer) with its queues and its two threads.
 *
 * <p>Flow. 1. The reader (the connection's virtual thread, {@link #readLoop}) reads whole frames and hands packets
 * to the {@link Router}, which rewrites a SendPacket in place into a RecvPacket and queues it on the destination.
 * When that leaves the destination's queue half full or more, the reader yields its carrier thread: the
 * destination's writer, woken by the enqueue, typically waits on this same carrier, and a read can hold ~90
 * packets — without the yield they all land before the writer runs and the queue drops most of a burst (the
 * tunnel's TCP sees that as loss).
 * 2. Each connection has three queues: control frames (ServerInfo, PeerGone, PeerPresent, Pong, KeepAlive) which
 * are never dropped, disco packets ({@link #discoQueue} deep) and other packets ({@link #sendQueue} deep); a full
 * packet queue drops its oldest entry, so the freshest packets win and a flood of data never pushes out disco.
 * 3. The writer (a second virtual thread) takes everything queued — control first, then disco, then data, at most
 * {@link #BATCH} frames and about {@link #BATCH_BYTES} bytes — copies it into one reused buffer and writes that with
 * a single call, so a busy connection costs one system call per batch and is sent in large TCP segments.
 * The reader parses every frame a {@code read} returned from one reused buffer ({@link FrameReader}); only a
 * packet that is queued is copied out of it, into an array of its own that the queue holds until written.
 * 4. While a write is in progress {@link #writeStartedNanos} holds its start; the server's sweep closes a
 * connection whose write has been blocked longer than the write deadline (a stuck reader must not hold memory or
 * block the relay).
 *
 * <p>Concurrency: {@link #lock} guards the queues and {@code closed}; lock order is {@code Router.mu} before
 * {@link #lock} (the router queues frames while holding its lock; nothing here calls the router while holding
 * {@link #lock}). The rate-limit buckets belong to the reader thread.
 */
final class ClientConn {
    private static final Logger LOG = Logger.getLogger(ClientConn.class.getName());
    /** Most frames one write takes from the queues. */
    static final int BATCH = 256;
    /** A write stops taking frames once it holds this many bytes (it may exceed it by one frame). */
    static final int BATCH_BYTES = 192 << 10;
    private static final int WRITE_BUFFER_INITIAL = 16 << 10;

    final long id;
    final PublicKey key;
    final boolean mesh;
    final String remote;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Duration keepAlive;
    private final long writeDeadlineNanos;
    private final int sendQueue;
    private final int discoQueue;
    private final int controlQueue;
    /** Reader-thread only: the receive rate limit, null when none or for mesh peers. */
    final dev.warren.relay.TokenBucket rateLimit;
    /** Reader-thread only: limits PeerGone(not here) answers to 1 a second, burst 3. */
    final dev.warren.relay.TokenBucket notHereLimit;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<byte[]> control = new ArrayDeque<>();
    // guarded by lock
    private final ArrayDeque<byte[]> disco = new ArrayDeque<>();
    // guarded by lock
    private final ArrayDeque<byte[]> data = new ArrayDeque<>();
    // guarded by lock
    private boolean closed;
    // guarded by lock
    private boolean pongQueued;
    // guarded by lock
    private Scheduler.Task keepAliveTask;
    // guarded by lock
    private String closeReason;

    /** Start of the write in progress on the monotonic clock, 0 when the writer is not writing. */
    private volatile long writeStartedNanos;
    /** Whether the client says this relay is its home (statistics). */
    volatile boolean preferred;
    final AtomicLong dropped = new AtomicLong();

    ClientConn(long id, PublicKey key, boolean mesh, Socket socket, InputStream in, OutputStream out,
               RelayServerConfig cfg, int controlQueue) {
        this.id = id;
        this.key = key;
        this.mesh = mesh;
        this.socket = socket;
        this.remote = String.valueOf(socket.getRemoteSocketAddress());
        this.in = in;
        this.out = out;
        this.clock = cfg.clock();
        this.scheduler = cfg.scheduler();
        this.keepAlive = cfg.keepAlive();
        this.writeDeadlineNanos = cfg.writeDeadline().toNanos() * (mesh ? 15 : 1);
        this.sendQueue = mesh ? cfg.sendQueue() * 32 : cfg.sendQueue();
        this.discoQueue = cfg.discoQueue();
        this.controlQueue = controlQueue;
        this.rateLimit = mesh || cfg.rateBytesPerSecond() == 0 ? null
                : new dev.warren.relay.TokenBucket(cfg.rateBytesPerSecond(), cfg.rateBurstBytes(), clock);
        this.notHereLimit = new dev.warren.relay.TokenBucket(1, 3, clock);
    }

    /** Starts the writer thread and the keepalive timer. */
    void start() {
        Thread.ofVirtual().name("relay-writer-" + id).start(this::writeLoop);
        scheduleKeepAlive();
    }

    /**
     * Queues a packet frame (a RecvPacket); drops the oldest of its queue when full. Returns true when the queue
     * is now at least half full: the writer is falling behind, and the caller (a reader that may have tens of
     * packets from one read still to route) should let it run before queueing more.
     */
    boolean enqueuePacket(byte[] frame, boolean isDisco) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            ArrayDeque<byte[]> q = isDisco ? disco : data;
            int limit = isDisco ? discoQueue : sendQueue;
            if (q.size() >= limit) {
                q.pollFirst();
                dropped.incrementAndGet();
            }
            q.addLast(frame);
            ready.signal();
            return 2 * q.size() >= limit;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a control frame; a connection that lets its control queue overflow is closed. */
    void enqueueControl(RelayFrame f) {
        enqueueControl(f.encode());
    }

    void enqueueControl(byte[] frame) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (control.size() >= controlQueue) {
                closeLocked("control queue overflow (" + controlQueue + " frames unread)");
                return;
            }
            control.addLast(frame);
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Queues a Pong for {@code data}, unless one is already waiting (a ping flood earns one answer). */
    void enqueuePong(byte[] data8) {
        lock.lock();
        try {
            if (closed || pongQueued) {
                return;
            }
            pongQueued = true;
            control.addLast(new RelayFrame.Pong(data8).encode());
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connection (idempotent); both threads end, the reader's caller unregisters it. */
    void close(String why) {
        lock.lock();
        try {
            closeLocked(why);
        } finally {
            lock.unlock();
        }
    }

    private void closeLocked(String why) {
        if (closed) {
            return;
        }
        closed = true;
        closeReason = why;
        if (keepAliveTask != null) {
            keepAliveTask.cancel();
        }
        control.clear();
        disco.clear();
        data.clear();
        ready.signalAll();
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        LOG.fine(() -> "relay: closed " + describe() + ": " + why);
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    String closeReason() {
        lock.lock();
        try {
            return closeReason;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connection if its current write began more than the write deadline before {@code now}. */
    void checkWriteDeadline(long now) {
        long started = writeStartedNanos;
        if (started != 0 && now - started > writeDeadlineNanos) {
            close("write blocked for more than " + Duration.ofNanos(writeDeadlineNanos).toMillis() + " ms");
        }
    }

    private void scheduleKeepAlive() {
        long jitter = ThreadLocalRandom.current().nextLong(dev.warren.relay.RelayProtocol.KEEP_ALIVE_JITTER.toNanos());
        lock.lock();
        try {
            if (!closed) {
                keepAliveTask = scheduler.schedule(() -> {
                    enqueueControl(new RelayFrame.KeepAlive());
                    scheduleKeepAlive();
                }, keepAlive.toNanos() + jitter);
            }
        } finally {
            lock.unlock();
        }
    }

    private void writeLoop() {
        List<byte[]> batch = new ArrayList<>(BATCH);
        byte[] wbuf = new byte[WRITE_BUFFER_INITIAL];
        try {
            while (true) {
                lock.lock();
                try {
                    while (!closed && control.isEmpty() && disco.isEmpty() && data.isEmpty()) {
                        ready.await();
                    }
                    if (closed) {
                        return;
                    }
                    int bytes = drainLocked(control, batch, 0);
                    if (control.isEmpty()) {
                        pongQueued = false;
                    }
                    bytes = drainLocked(disco, batch, bytes);
                    drainLocked(data, batch, bytes);
                } finally {
                    lock.unlock();
                }
                int n = 0;
                for (byte[] f : batch) {
                    n += f.length;
                }
                if (n > wbuf.length) {
                    wbuf = new byte[Math.max(n, Math.min(2 * wbuf.length, BATCH_BYTES + RelayFrame.HEADER_SIZE
                            + RelayFrame.MAX_PAYLOAD))];
                }
                int pos = 0;
                for (byte[] f : batch) {
                    System.arraycopy(f, 0, wbuf, pos, f.length);
                    pos += f.length;
                }
                batch.clear();
                writeStartedNanos = clock.nanoTime() | 1;
                out.write(wbuf, 0, n);
                out.flush();
                writeStartedNanos = 0;
            }
        } catch (IOException e) {
            close("write failed: " + e.getMessage());
        } catch (InterruptedException e) {
            close("writer interrupted");
        } finally {
            writeStartedNanos = 0;
        }
    }

    /**
     * Moves frames from {@code q} to {@code batch} while the batch has fewer than {@link #BATCH} frames and
     * {@link #BATCH_BYTES} bytes; returns the batch's byte count.
     */
    static int drainLocked(ArrayDeque<byte[]> q, List<byte[]> batch, int bytes) {
        while (batch.size() < BATCH && bytes < BATCH_BYTES && !q.isEmpty()) {
            byte[] f = q.pollFirst();
            batch.add(f);
            bytes += f.length;
        }
        return bytes;
    }

    /**
     * Reads frames until the connection ends. A malformed frame or a privileged frame from a non-mesh client ends
     * the connection (the relay and its other clients carry on).
     */
    void readLoop(Router router, PeerLog peerLog) {
        String why = "closed by peer";
        FrameReader r = new FrameReader(in);
        try {
            while (true) {
                int type = r.next();
                int n = r.payloadLength();
                switch (type) {
                    case RelayFrame.TYPE_SEND_PACKET -> {
                        if (n < RelayFrame.KEY_SIZE) {
                            throw new MalformedMessageException("SendPacket frame of " + n
                                    + " payload bytes is shorter than 32");
                        }
                        if (router.onSendPacket(this, r.copyFrame())) {
                            // the destination's writer is falling behind: its virtual thread, woken by our
                            // enqueue, is likely queued on this carrier behind us; let it write before we queue
                            // more, or a read's worth of packets (up to ~90) would overflow its 32 places
                            Thread.yield();
                        }
                    }
                    case RelayFrame.TYPE_FORWARD_PACKET -> {
                        requireMesh(type);
                        if (n < 2 * RelayFrame.KEY_SIZE) {
                            throw new MalformedMessageException("ForwardPacket frame of " + n
                                    + " payload bytes is shorter than 64");
                        }
                        if (router.onForwardPacket(r.copyFrame())) {
                            Thread.yield(); // as for SendPacket
                        }
                    }
                    case RelayFrame.TYPE_WATCH_CONNS -> {
                        requireMesh(type);
                        router.watch(this);
                    }
                    case RelayFrame.TYPE_CLOSE_PEER -> {
                        requireMesh(type);
                        router.closePeer(((RelayFrame.ClosePeer) decode(r)).peer());
                    }
                    case RelayFrame.TYPE_PING -> enqueuePong(((RelayFrame.Ping) decode(r)).data());
                    case RelayFrame.TYPE_NOTE_PREFERRED -> preferred = ((RelayFrame.NotePreferred) decode(r)).preferred();
                    default -> {
                        // KeepAlive, Pong, a repeated ClientInfo and unknown types: nothing to do (skipped by length)
                    }
                }
            }
        } catch (MalformedMessageException e) {
            why = "protocol error: " + e.getMessage();
            if (peerLog != null) {
                peerLog.info("relay: dropping " + describe() + ": " + why);
            }
        } catch (IOException e) {
            why = "read failed: " + e.getMessage();
        } finally {
            close(why);
        }
    }

    private void requireMesh(int type) throws MalformedMessageException {
        if (!mesh) {
            throw new MalformedMessageException(RelayFrame.typeName(type) + " from a client that is not a mesh peer");
        }
    }

    private static RelayFrame decode(FrameReader r) throws MalformedMessageException {
        return RelayFrame.decode(r.buffer()[r.frameOffset()] & 0xFF,
                ByteBuffer.wrap(r.buffer(), r.payloadOffset(), r.payloadLength()));
    }

    String describe() {
        return (mesh ? "mesh peer " : "client ") + dev.warren.wire.key.NodeKey.of(key).shortString() + " (" + remote
                + ", conn " + id + ")";
    }
}
