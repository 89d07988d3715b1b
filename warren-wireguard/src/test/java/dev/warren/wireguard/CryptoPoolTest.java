package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class CryptoPoolTest {
    @Test
    void everyIndexRunsExactlyOnceAcrossManyRunsOfChangingSize() {
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            try (CryptoPool pool = new CryptoPool(3, () -> Aead.create("bc"), "test")) {
                CryptoPool.Batch batch = new CryptoPool.Batch();
                Aead own = Aead.create("bc");
                Random r = new Random(42);
                for (int run = 0; run < 20_000; run++) {
                    // sizes alternate between large and small so late workers meet a smaller run
                    int n = run % 2 == 0 ? 64 : 1 + r.nextInt(2 * CryptoPool.CHUNK + 8);
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.run(batch, (from, to, aead) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    }, n, own);
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "run " + run + " index " + i);
                    }
                }
            }
        });
    }

    @Test
    void twoOwnersShareThePool() throws Exception {
        try (CryptoPool pool = new CryptoPool(1, () -> Aead.create("bc"), "test")) {
            Thread[] owners = new Thread[2];
            Throwable[] failure = new Throwable[1];
            for (int o = 0; o < 2; o++) {
                owners[o] = Thread.ofPlatform().start(() -> {
                    CryptoPool.Batch batch = new CryptoPool.Batch();
                    Aead own = Aead.create("bc");
                    for (int run = 0; run < 5000; run++) {
                        int n = 17 + run % 50;
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        pool.run(batch, (from, to, aead) -> {
                            for (int i = from; i < to; i++) {
                                hits.incrementAndGet(i);
                            }
                        }, n, own);
                        for (int i = 0; i < n; i++) {
                            if (hits.get(i) != 1) {
                                failure[0] = new AssertionError("index " + i + " ran " + hits.get(i) + " times");
                                return;
                            }
                        }
                    }
                });
            }
            for (Thread t : owners) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            if (failure[0] != null) {
                throw new AssertionError(failure[0]);
            }
        }
    }
}
