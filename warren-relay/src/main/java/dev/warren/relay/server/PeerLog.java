package dev.warren.relay.server;

import dev.warren.relay.TokenBucket;
import dev.warren.wire.time.Clock;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging of what peers cause (refused handshakes, protocol errors): at most 1 message a second after a burst of
 * 20, so a flood of bad connections cannot flood the log; the next message that gets through says how many were
 * suppressed. Thread-safe.
 */
final class PeerLog {
    private final Logger log;
    private final TokenBucket bucket;
    private final AtomicLong suppressed = new AtomicLong();

    PeerLog(Logger log, Clock clock) {
        this.log = log;
        this.bucket = new TokenBucket(1, 20, clock);
    }

    void info(String message) {
        if (!log.isLoggable(Level.INFO)) {
            return;
        }
        boolean ok;
        synchronized (bucket) {
            ok = bucket.tryTake(1);
        }
        if (!ok) {
            suppressed.incrementAndGet();
            return;
        }
        long n = suppressed.getAndSet(0);
        log.info(n == 0 ? message : message + " (" + n + " similar messages suppressed)");
    }
}
