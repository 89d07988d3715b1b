package dev.warren.net.udp;

import dev.warren.net.testing.Allocations;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Steady-state send and receive on the Linux bind allocate (next to) nothing per datagram. */
@Timeout(120)
class BindAllocationTest {
    static final int WARMUP = 1_500_000; // until C2 has compiled the send and receive paths
    static final int MEASURED = 500_000;

    @ParameterizedTest(name = "v6={0}")
    @ValueSource(booleans = {false, true})
    void sendAndReceiveDoNotAllocate(boolean v6) throws Exception {
        try (LinuxUdpBind tx = new LinuxUdpBind(); LinuxUdpBind rx = new LinuxUdpBind()) {
            tx.open(0);
            Bind.Opened o = rx.open(0);
            Bind.Receiver receiver = o.receivers().get(v6 ? 1 : 0);
            AtomicBoolean done = new AtomicBoolean();
            CompletableFuture<Double> rxPerPacket = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    PacketPool pool = new PacketPool(64, 2048);
                    PacketBuffer[] bufs = new PacketBuffer[64];
                    for (int i = 0; i < 64; i++) {
                        bufs[i] = pool.acquire();
                    }
                    long seen = 0;
                    long start = -1;
                    long startSeen = 0;
                    while (seen < WARMUP + MEASURED) {
                        seen += receiver.receive(bufs, 64);
                        if (start < 0 && seen >= WARMUP) {
                            start = Allocations.currentThread();
                            startSeen = seen;
                        }
                    }
                    rxPerPacket.complete((Allocations.currentThread() - start) / (double) (seen - startSeen));
                } catch (Throwable e) {
                    rxPerPacket.completeExceptionally(e);
                } finally {
                    done.set(true);
                }
            });
            PacketPool pool = new PacketPool(64, 2048);
            PacketBuffer[] bufs = new PacketBuffer[64];
            for (int i = 0; i < 64; i++) {
                bufs[i] = pool.acquire();
                bufs[i].set(PacketBuffer.HEADROOM, 1200);
            }
            Endpoint to = Endpoint.of(v6 ? new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
                    : new byte[] {127, 0, 0, 1}, o.port());
            long sent = 0;
            long txStart = -1;
            long txStartSent = 0;
            while (!done.get()) {
                tx.send(bufs, 0, 64, to);
                sent += 64;
                if (txStart < 0 && sent >= WARMUP) {
                    txStart = Allocations.currentThread();
                    txStartSent = sent;
                }
                if (sent % (64 * 16) == 0) {
                    Thread.onSpinWait(); // let the reader keep up a little
                }
            }
            double txPerPacket = (Allocations.currentThread() - txStart) / (double) (sent - txStartSent);
            reader.join();
            double rxBytes = rxPerPacket.get();
            System.out.printf("v6=%s: send %.4f B/datagram, receive %.4f B/datagram, GRO messages %d%n",
                    v6, txPerPacket, rxBytes, rx.groMessagesReceived());
            assertTrue(txPerPacket < 0.5, "send allocates " + txPerPacket + " B per datagram");
            assertTrue(rxBytes < 0.5, "receive allocates " + rxBytes + " B per datagram");
        }
    }
}
