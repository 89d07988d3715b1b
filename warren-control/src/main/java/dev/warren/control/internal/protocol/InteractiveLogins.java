package dev.warren.control.internal.protocol;

import dev.warren.control.ControlException;
import dev.warren.control.internal.state.AuthKeys;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.time.Clock;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Interactive logins waiting for a person: a register request without an auth key gets an auth URL
 * {@code <server>/register/<id>}; the node re-sends its request with {@code followup} set to that URL and waits here
 * until an admin (or, later, a browser login) completes it with a domain and user, or the login times out.
 *
 * <p>Concurrency: a concurrent map of pending logins; each completes once through its future.
 */
public final class InteractiveLogins {
    /** Who completed a login. */
    public record Completion(String domain, String user) {
    }

    private record Pending(String id, MachineKey machine, long createdAt, CompletableFuture<Completion> done) {
    }

    private final Clock clock;
    private final Duration timeout;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    public InteractiveLogins(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Pending logins the server holds at most; more get 429 until some complete or expire. */
    public static final int MAX_PENDING = 10_000;

    /**
     * Starts a login for {@code machine}; returns its id. A machine has at most one pending login: a new one replaces
     * (and cancels) the previous, so a node that retries cannot fill the table.
     */
    public String start(MachineKey machine) {
        pending.values().removeIf(p -> {
            if (p.machine.equals(machine)) {
                p.done.completeExceptionally(new IllegalStateException("replaced"));
                return true;
            }
            return false;
        });
        if (pending.size() >= MAX_PENDING) {
            throw new ControlException(429, "too_many_logins", null,
                    "too many interactive logins are pending; try again later");
        }
        String id = AuthKeys.randomId(12);
        pending.put(id, new Pending(id, machine, clock.nanoTime(), new CompletableFuture<>()));
        return id;
    }

    /** The login id in a follow-up URL (its last path segment). */
    public static String idOf(String followup) {
        String s = followup.strip();
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int slash = s.lastIndexOf('/');
        return slash >= 0 ? s.substring(slash + 1) : s;
    }

    /** Blocks until login {@code id} of {@code machine} completes (at most the login timeout, in real time). */
    public Completion await(String followup, MachineKey machine) throws InterruptedException {
        String id = idOf(followup);
        Pending p = pending.get(id);
        if (p == null) {
            throw new ControlException(404, "login_unknown", "followup",
                    "no pending login for '" + followup + "'; it expired or was never started");
        }
        if (!p.machine.equals(machine)) {
            throw new ControlException(403, "machine_mismatch", "followup",
                    "this login was started by another machine");
        }
        try {
            Completion c = p.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            pending.remove(id, p);
            return c;
        } catch (TimeoutException e) {
            throw new ControlException(408, "login_timeout", "followup", "nobody completed the login in time");
        } catch (ExecutionException e) {
            pending.remove(id, p);
            throw new ControlException(410, "login_cancelled", "followup", "the login was cancelled");
        }
    }

    /** Completes login {@code id}; 404 when there is no such pending login. */
    public void complete(String id, String domain, String user) {
        Pending p = pending.get(id);
        if (p == null || p.done.isDone()) {
            throw new ControlException(404, "login_unknown", "id", "no pending login with id '" + id + "'");
        }
        p.done.complete(new Completion(domain, user));
    }

    /** Drops logins older than the timeout. */
    public void tick() {
        long now = clock.nanoTime();
        pending.values().removeIf(p -> {
            if (now - p.createdAt >= timeout.toNanos()) {
                p.done.completeExceptionally(new IllegalStateException("expired"));
                return true;
            }
            return false;
        });
    }

    public int size() {
        return pending.size();
    }
}
