package dev.warren.control;

import dev.warren.wire.time.Scheduler;

import java.time.Duration;

/**
 * Tunables of a control server, with production defaults in {@link #defaults()}. Validated once.
 *
 * @param scheduler               runs the server's periodic tick on the config's clock; null = a real scheduler the
 *                                server owns (tests pass a {@code ManualScheduler} over a {@code FakeClock})
 * @param keepAlive               a keep-alive MapResponse goes out on a stream idle this long (default 50 s)
 * @param persistentKeepalive     seconds of WireGuard persistent keepalive nodes set on peers (default 25)
 * @param ephemeralTimeout        an ephemeral node without a map stream this long is deleted (default 5 min)
 * @param defaultKeyExpiry        node key lifetime from registration (default 180 days)
 * @param defaultAuthKeyExpiry    auth key lifetime when the spec gives none (default 90 days)
 * @param batchInterval           minimum time between two delta messages on one stream; changes arriving within
 *                                it are merged into one message (default 50 ms; the first change after an idle
 *                                period goes out at once)
 * @param tick                    period of the housekeeping tick: keep-alives, key expiry, ephemeral cleanup,
 *                                retained-session expiry (default 1 s)
 * @param sessionRetention        how long a disconnected map session is kept for resumption (default 2 min)
 * @param backlogMessages         messages kept per session for resumption (default 64)
 * @param interactiveLoginTimeout how long an interactive login stays pending (default 30 min)
 * @param publicUrl               the URL nodes and browsers reach the server at, for auth URLs (null = the listen
 *                                address, which is wrong behind a proxy or when listening on 0.0.0.0)
 */
public record ControlOptions(Scheduler scheduler, Duration keepAlive, int persistentKeepalive,
                             Duration ephemeralTimeout, Duration defaultKeyExpiry, Duration defaultAuthKeyExpiry,
                             Duration batchInterval, Duration tick, Duration sessionRetention, int backlogMessages,
                             Duration interactiveLoginTimeout, java.net.URI publicUrl) {
    public ControlOptions {
        positive(keepAlive, "keepAlive");
        positive(ephemeralTimeout, "ephemeralTimeout");
        positive(defaultKeyExpiry, "defaultKeyExpiry");
        positive(defaultAuthKeyExpiry, "defaultAuthKeyExpiry");
        positive(tick, "tick");
        positive(sessionRetention, "sessionRetention");
        positive(interactiveLoginTimeout, "interactiveLoginTimeout");
        if (batchInterval == null || batchInterval.isNegative()) {
            throw new IllegalArgumentException("batchInterval must be zero or positive");
        }
        if (persistentKeepalive < 0 || persistentKeepalive > 65535) {
            throw new IllegalArgumentException("persistentKeepalive " + persistentKeepalive + " is outside 0..65535");
        }
        if (publicUrl != null && (publicUrl.getScheme() == null || publicUrl.getHost() == null
                || !(publicUrl.getScheme().equals("http") || publicUrl.getScheme().equals("https")))) {
            throw new IllegalArgumentException("publicUrl '" + publicUrl + "' must be http(s)://host[:port]");
        }
        if (backlogMessages < 1) {
            throw new IllegalArgumentException("backlogMessages must be at least 1");
        }
    }

    public static ControlOptions defaults() {
        return new ControlOptions(null, Duration.ofSeconds(50), 25, Duration.ofMinutes(5), Duration.ofDays(180),
                Duration.ofDays(90), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofMinutes(2), 64,
                Duration.ofMinutes(30), null);
    }

    public ControlOptions withScheduler(Scheduler s) {
        return new ControlOptions(s, keepAlive, persistentKeepalive, ephemeralTimeout, defaultKeyExpiry,
                defaultAuthKeyExpiry, batchInterval, tick, sessionRetention, backlogMessages, interactiveLoginTimeout, publicUrl);
    }

    public ControlOptions withBatchInterval(Duration d) {
        return new ControlOptions(scheduler, keepAlive, persistentKeepalive, ephemeralTimeout, defaultKeyExpiry,
                defaultAuthKeyExpiry, d, tick, sessionRetention, backlogMessages, interactiveLoginTimeout, publicUrl);
    }

    public ControlOptions withBacklogMessages(int n) {
        return new ControlOptions(scheduler, keepAlive, persistentKeepalive, ephemeralTimeout, defaultKeyExpiry,
                defaultAuthKeyExpiry, batchInterval, tick, sessionRetention, n, interactiveLoginTimeout, publicUrl);
    }

    public ControlOptions withTick(Duration d) {
        return new ControlOptions(scheduler, keepAlive, persistentKeepalive, ephemeralTimeout, defaultKeyExpiry,
                defaultAuthKeyExpiry, batchInterval, d, sessionRetention, backlogMessages, interactiveLoginTimeout, publicUrl);
    }

    public ControlOptions withPublicUrl(java.net.URI u) {
        return new ControlOptions(scheduler, keepAlive, persistentKeepalive, ephemeralTimeout, defaultKeyExpiry,
                defaultAuthKeyExpiry, batchInterval, tick, sessionRetention, backlogMessages, interactiveLoginTimeout,
                u);
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }
}
