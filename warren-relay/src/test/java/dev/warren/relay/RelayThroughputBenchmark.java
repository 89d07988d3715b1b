package dev.warren.relay;

import dev.warren.relay.RelayTestKit.Recorder;
import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.relay.server.RelayServer;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relayed throughput over loopback: one sender, one receiver, 1,280-byte packets (a typical WireGuard datagram),
 * both through {@link RelayClient} and one {@link RelayServer} in this JVM. The sender offers packets as fast as
 * the client's queue takes them (pausing 50 µs when it is full, so the spinning sender does not take a core
 * from the relay); the figure is what the receiver got. Off in normal builds; run with
 * {@code mvn -pl warren-relay -am test -Dtest=RelayThroughputBenchmark -Drelay.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "relay.bench", matches = "true")
class RelayThroughputBenchmark {
    static final int SIZE = 1280;
    static final int WINDOW = 256;

    @Test
    void oneSenderOneReceiver() throws Exception {
        try (RelayTestKit kit = new RelayTestKit()) {
            RelayServer s = kit.start(kit.config());
            AtomicLong got = new AtomicLong();
            AtomicLong bytes = new AtomicLong();
            Recorder b = kit.new Recorder();
            RelayClient.Listener counting = new RelayClient.Listener() {
                @Override
                public void packet(PublicKey src, byte[] buf, int off, int len) {
                    got.incrementAndGet();
                    bytes.addAndGet(len);
                }

                @Override
                public void connected() {
                    b.admitted.countDown();
                }
            };
            RelayClient rb = RelayClient.start(new RelayClientConfig(RelayTestKit.node(s), b.key, null, null,
                    Clock.system(), kit.scheduler), counting);
            b.admitted.await();
            Recorder a = kit.connect(s);
            byte[] p = RelayTestKit.bytes(SIZE, 0);
            // round 0: warm-up; 1: unthrottled sender (the relay drops what the receiver cannot take);
            // 2: windowed sender (at most WINDOW packets in flight), the relay's capacity without drop waste
            for (int round = 0; round < 3; round++) {
                long seconds = round == 0 ? 2 : 5;
                got.set(0);
                bytes.set(0);
                long drops0 = s.stats().droppedQueue();
                long offered = 0;
                long refused = 0;
                long lost = 0;
                long t0 = System.nanoTime();
                long end = t0 + seconds * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    if (round == 2) {
                        long stalledSince = System.nanoTime();
                        while (offered - got.get() - lost > WINDOW) {
                            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                            if (System.nanoTime() - stalledSince > 20_000_000L) {
                                lost = offered - got.get();
                            }
                        }
                    }
                    if (a.client.send(b.pub, p, 0, SIZE)) {
                        offered++;
                    } else {
                        refused++;
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                    }
                }
                Thread.sleep(200);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("relay throughput %s: %,.0f packets/s, %.1f MB/s (%d offered, %d received, %d"
                                + " refused by a full client queue, %d dropped in the relay)%n",
                        switch (round) {
                            case 0 -> "warm-up";
                            case 1 -> "unthrottled sender";
                            default -> "windowed sender (" + WINDOW + " in flight)";
                        }, got.get() / secs, bytes.get() / secs / 1e6, offered, got.get(), refused,
                        s.stats().droppedQueue() - drops0);
                assertTrue(got.get() > 0);
            }
            rb.close();
        }
    }
}
