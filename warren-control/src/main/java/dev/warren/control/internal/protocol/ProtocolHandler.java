package dev.warren.control.internal.protocol;

import dev.warren.channel.ConnectionHandler;
import dev.warren.channel.ControlConnection;
import dev.warren.control.ControlException;
import dev.warren.control.internal.map.MapHub;
import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.state.ControlState.Registered;
import dev.warren.control.internal.store.StoreException;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.key.MachineKey;

import java.io.EOFException;
import java.io.IOException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one control connection.
 *
 * <p>Flow: 1. receive a message; 2. decode it (malformed ⇒ ErrorMessage 400 and close); 3. dispatch:
 * <ul>
 *   <li>{@link RegisterRequest}: logout (expiry in the past), follow-up of an interactive login, pre-auth key,
 *       known node key (status), rotation from {@code oldNodeKey}, or else a new interactive login (auth URL).
 *       A refused registration gets an ErrorMessage and the connection stays open for another attempt.</li>
 *   <li>{@link MapRequest}: apply its endpoints, host info, disco key and home relay; then {@code stream=false}: one full map;
 *       {@code stream=true}: open or resume a session whose writer runs on its own virtual thread while this
 *       thread keeps reading. A refused map request gets an ErrorMessage and the connection is closed.</li>
 *   <li>{@link UpdateRequest}: endpoints, host info, home relay and disco key of the streaming node, applied merged by an
 *       {@link UpdateCoalescer} (at most one store write per batch interval; the newest values win).</li>
 * </ul>
 * 4. when the connection ends, detach the session (kept for resumption) and mark the node offline.
 */
public final class ProtocolHandler implements ConnectionHandler {
    private static final Logger LOG = Logger.getLogger(ProtocolHandler.class.getName());

    private final ControlState state;
    private final MapHub hub;
    private final InteractiveLogins logins;
    private final ControlMetrics metrics;
    private final Supplier<String> baseUrl;

    public ProtocolHandler(ControlState state, MapHub hub, InteractiveLogins logins, ControlMetrics metrics,
                           Supplier<String> baseUrl) {
        this.state = state;
        this.hub = hub;
        this.logins = logins;
        this.metrics = metrics;
        this.baseUrl = baseUrl;
    }

    /** Thrown to end the connection after an error reply. */
    private static final class Fatal extends Exception {
        final ErrorMessage error;

        Fatal(ErrorMessage error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }

    @Override
    public void handle(ControlConnection conn) {
        MachineKey machine = MachineKey.of(conn.remoteKey());
        MapHub.Stream stream = null;
        UpdateCoalescer updates = null;
        try {
            while (conn.isOpen()) {
                byte[] bytes;
                try {
                    bytes = conn.receive();
                } catch (EOFException e) {
                    return;
                }
                try {
                    ControlMessage m = decode(bytes);
                    switch (m) {
                        case RegisterRequest r -> reply(conn, register(machine, r));
                        case MapRequest r -> {
                            if (stream != null) {
                                throw new Fatal(new ErrorMessage(409, "stream_already_open",
                                        "this connection already carries a map stream"));
                            }
                            stream = map(conn, machine, r);
                            if (stream != null) {
                                updates = new UpdateCoalescer(state, stream.nodeId(),
                                        state.options().batchInterval().toMillis());
                            }
                        }
                        case UpdateRequest u -> {
                            if (stream == null) {
                                throw new Fatal(new ErrorMessage(400, "no_stream",
                                        "an update request needs an open map stream on this connection"));
                            }
                            checkReport(u.endpoints(), u.hostinfo());
                            checkHomeRelay(u.homeRelay());
                            updates.offer(u.endpoints(), u.hostinfo(), u.homeRelay(), u.discoKey());
                        }
                        default -> throw new Fatal(new ErrorMessage(400, "unexpected_message",
                                "a node must not send a '" + m.getClass().getSimpleName() + "'"));
                    }
                } catch (Fatal f) {
                    reply(conn, f.error);
                    return;
                }
            }
        } catch (IOException e) {
            // the connection broke; nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "control connection failed", e);
            try {
                reply(conn, new ErrorMessage(500, "internal_error", "the server failed to handle the request"));
            } catch (IOException ignored) {
                // best effort
            }
        } finally {
            if (updates != null) {
                try {
                    updates.finish();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "applying the last update failed", e);
                }
            }
            if (stream != null) {
                hub.detach(conn, stream);
                metrics.streamClosed();
                state.streamClosed(stream.nodeId());
            }
            conn.close();
        }
    }

    private static void reply(ControlConnection conn, ControlMessage m) throws IOException {
        conn.send(ControlJson.encode(m));
    }

    /** Decodes and checks required fields; the message names the problem. */
    static ControlMessage decode(byte[] bytes) throws Fatal {
        ControlMessage m;
        try {
            m = ControlJson.decode(bytes);
        } catch (MalformedMessageException e) {
            throw new Fatal(new ErrorMessage(400, "malformed_message", e.getMessage()));
        }
        String missing = switch (m) {
            case RegisterRequest r -> r.nodeKey() == null ? "nodeKey" : null;
            case MapRequest r -> r.nodeKey() == null ? "nodeKey" : null;
            default -> null;
        };
        if (missing != null) {
            throw new Fatal(new ErrorMessage(400, "missing_field", "field '" + missing + "' is required"));
        }
        switch (m) {
            case RegisterRequest r -> checkReport(null, r.hostinfo());
            case MapRequest r -> {
                checkReport(r.endpoints(), r.hostinfo());
                checkHomeRelay(r.homeRelay());
            }
            default -> {
            }
        }
        return m;
    }

    /** Most endpoints a node may report. */
    static final int MAX_ENDPOINTS = 64;
    /** Longest endpoint text ("[v6]:port" fits in 47). */
    static final int MAX_ENDPOINT_LENGTH = 64;
    /** Longest host info field. */
    static final int MAX_HOSTINFO_FIELD = 255;

    /** Bounds on what a node reports, so one node cannot bloat every peer's map; names the offending field. */
    static void checkReport(java.util.List<String> endpoints, dev.warren.wire.control.Hostinfo h) throws Fatal {
        if (endpoints != null) {
            if (endpoints.size() > MAX_ENDPOINTS) {
                throw new Fatal(new ErrorMessage(400, "invalid_endpoints", "field 'endpoints' has "
                        + endpoints.size() + " entries; at most " + MAX_ENDPOINTS + " are allowed"));
            }
            for (String e : endpoints) {
                if (e == null || e.isEmpty() || e.length() > MAX_ENDPOINT_LENGTH) {
                    throw new Fatal(new ErrorMessage(400, "invalid_endpoints",
                            "field 'endpoints' holds an empty, null or over-long entry"));
                }
            }
        }
        if (h != null) {
            for (String[] f : new String[][]{{"hostname", h.hostname()}, {"os", h.os()}, {"version", h.version()}}) {
                if (f[1] != null && f[1].length() > MAX_HOSTINFO_FIELD) {
                    throw new Fatal(new ErrorMessage(400, "invalid_hostinfo", "field 'hostinfo." + f[0]
                            + "' is longer than " + MAX_HOSTINFO_FIELD + " characters"));
                }
            }
        }
    }

    /** A home relay is a region id (positive) or 0 for none; whether the region exists is the node's business. */
    static void checkHomeRelay(Integer homeRelay) throws Fatal {
        if (homeRelay != null && homeRelay < 0) {
            throw new Fatal(new ErrorMessage(400, "invalid_home_relay", "field 'homeRelay' is " + homeRelay
                    + "; it must be 0 (none) or a relay region id"));
        }
    }

    private ControlMessage register(MachineKey machine, RegisterRequest r) throws Fatal, InterruptedException {
        if (r.version() < CapabilityVersion.MINIMUM) {
            throw new Fatal(new ErrorMessage(400, "version_unsupported", "capability version " + r.version()
                    + " is older than the minimum " + CapabilityVersion.MINIMUM + "; update the node"));
        }
        try {
            Registered done;
            if (r.expiry() != null && !r.expiry().isAfter(state.now())) {
                done = state.logout(machine, r);
            } else if (r.followup() != null && !r.followup().isBlank()) {
                InteractiveLogins.Completion c = logins.await(r.followup(), machine);
                done = state.registerInteractive(machine, r, c.domain(), c.user());
            } else if (r.authKey() != null && !r.authKey().isBlank()) {
                done = state.registerWithKey(machine, r);
            } else {
                done = state.status(machine, r);
                if (done == null && r.oldNodeKey() != null) {
                    done = state.rotate(machine, r);
                }
                if (done == null) {
                    String id = logins.start(machine);
                    return new RegisterResponse(null, null, false, false, null, baseUrl.get() + "/register/" + id);
                }
            }
            metrics.registered();
            var e = done.node();
            return new RegisterResponse(e.userLogin(), done.domain(), e.row().authorized(), e.expired(),
                    e.wire().keyExpiry(), null);
        } catch (ControlException e) {
            return new ErrorMessage(e.status(), e.code(), e.getMessage());
        } catch (StoreException e) {
            LOG.log(Level.WARNING, "registration failed in the store", e);
            return new ErrorMessage(503, "store_unavailable", "the server cannot save the registration now");
        }
    }

    private MapHub.Stream map(ControlConnection conn, MachineKey machine, MapRequest r) throws Fatal, IOException {
        if (r.version() < CapabilityVersion.MINIMUM) {
            throw new Fatal(new ErrorMessage(400, "version_unsupported", "capability version " + r.version()
                    + " is older than the minimum " + CapabilityVersion.MINIMUM));
        }
        try {
            var self = MapHub.checkNode(state.snapshot(), machine, r);
            if (r.endpoints() != null || r.hostinfo() != null || r.discoKey() != null || r.homeRelay() != null) {
                state.update(self.id(), r.endpoints(), r.hostinfo(), r.discoKey(), r.homeRelay());
            }
            if (!r.stream()) {
                MapResponse full = hub.fullMap(state.snapshot(), self.id());
                reply(conn, full);
                metrics.mapMessageSent();
                return null;
            }
            MapHub.Stream s = hub.open(conn, machine, r);
            metrics.streamOpened();
            state.streamOpened(s.nodeId());
            hub.run(conn, s);
            return s;
        } catch (ControlException e) {
            throw new Fatal(new ErrorMessage(e.status(), e.code(), e.getMessage()));
        } catch (StoreException e) {
            throw new Fatal(new ErrorMessage(503, "store_unavailable", "the server cannot serve the map now"));
        }
    }
}
