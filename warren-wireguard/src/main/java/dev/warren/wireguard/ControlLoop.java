package dev.warren.wireguard;

import dev.warren.wire.datapath.MpmcRing;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.time.Clock;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The device's single slow-path thread. It owns everything that is not per-packet work:
 *
 * <pre>
 * 1. tasks: timer expiries, handshake requests from the packet paths, staged-packet flushes, keepalives
 * 2. handshake messages handed over by the UDP receivers (bounded queue; when it is an eighth full the device
 *    is "under load" for a second and demands cookies — paper §5.4.7)
 * </pre>
 *
 * Tasks run before handshake messages, so a flood of initiations cannot starve timers. A task that throws
 * is logged and the loop goes on: nothing a peer sends can stop it.
 */
final class ControlLoop implements Executor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.wireguard");

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final MpmcRing<PacketBuffer> handshakes = new MpmcRing<>(Protocol.HANDSHAKE_QUEUE_SIZE);
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    // written by the loop thread only
    private volatile long underLoadUntil;
    private BiConsumer<PacketBuffer, Boolean> handshakeHandler;

    ControlLoop(Clock clock, String name) {
        this.clock = clock;
        this.underLoadUntil = clock.nanoTime();
        this.thread = Thread.ofPlatform().daemon().name(name + "-control").unstarted(this::loop);
    }

    /** Sets who handles handshake messages ({@code (buffer, underLoad)}); then starts the thread. */
    void start(BiConsumer<PacketBuffer, Boolean> handler) {
        this.handshakeHandler = handler;
        thread.start();
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        LockSupport.unpark(thread);
    }

    /** Hands a handshake message over; false (caller keeps the buffer) when the queue is full. */
    boolean offerHandshake(PacketBuffer b) {
        if (!handshakes.offer(b)) {
            return false;
        }
        LockSupport.unpark(thread);
        return true;
    }

    boolean isUnderLoad() {
        long now = clock.nanoTime();
        if (handshakes.size() >= Protocol.HANDSHAKE_QUEUE_SIZE / 8) {
            underLoadUntil = now + Protocol.UNDER_LOAD_AFTER_TIME;
            return true;
        }
        return now - underLoadUntil < 0;
    }

    boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        while (running) {
            Runnable t;
            boolean worked = false;
            while ((t = tasks.poll()) != null) {
                worked = true;
                try {
                    t.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "control task failed", e);
                }
            }
            PacketBuffer b = handshakes.poll();
            if (b != null) {
                worked = true;
                try {
                    handshakeHandler.accept(b, isUnderLoad());
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "handshake processing failed", e);
                } finally {
                    b.release();
                }
            }
            if (!worked && tasks.isEmpty() && handshakes.size() == 0) {
                LockSupport.parkNanos(this, 100_000_000L);
            }
        }
        PacketBuffer b;
        while ((b = handshakes.poll()) != null) {
            b.release();
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
