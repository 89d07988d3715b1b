package dev.warren.control.internal.admin;

import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlAdmin;
import dev.warren.control.ControlException;
import dev.warren.control.Domain;
import dev.warren.control.NodeView;
import dev.warren.control.PolicyUpdate;
import dev.warren.control.internal.map.MapHub;
import dev.warren.control.internal.protocol.InteractiveLogins;
import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.state.NodeEntry;
import dev.warren.control.internal.state.Snapshot;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.policy.PolicyTracer;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RelayMaps;
import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * {@link ControlAdmin} over the state. Thread-safe (the state serializes writes). Every successful change is
 * logged at INFO on the {@code dev.warren.control.audit} logger (the start of an admin audit trail); auth keys are
 * logged by their display prefix only.
 */
public final class AdminService implements ControlAdmin {
    private static final Logger AUDIT = Logger.getLogger("dev.warren.control.audit");
    private final ControlState state;
    private final InteractiveLogins logins;
    private final MapHub hub;
    private final Path stateDir;
    // serializes relay-map replacements so the saved file and the streamed map are the same one
    private final ReentrantLock relayMapLock = new ReentrantLock();

    public AdminService(ControlState state, InteractiveLogins logins, MapHub hub, Path stateDir) {
        this.state = state;
        this.logins = logins;
        this.hub = hub;
        this.stateDir = stateDir;
    }

    @Override
    public String policy(String domain) {
        return state.policyText(domain);
    }

    @Override
    public PolicyUpdate setPolicy(String domain, String fileName, String text) {
        ControlState.PolicySet r = state.setPolicy(domain, fileName, text);
        PolicyUpdate u = new PolicyUpdate(r.domain(), r.filtersChanged(), r.peersChanged(), r.compileNanos() / 1e6);
        AUDIT.info(() -> "access policy set: domain=" + domain + " (" + text.length() + " characters; "
                + u.filtersChanged() + " filters and " + u.peersChanged() + " peer lists changed)");
        return u;
    }

    @Override
    public PolicyTracer.Trace tracePolicy(String domain, String src, String dst, int port, String proto) {
        if (src == null || src.isBlank()) {
            throw ControlException.badRequest("src", "the trace needs a source (node name, user, tag or IP)");
        }
        if (dst == null || dst.isBlank()) {
            throw ControlException.badRequest("dst", "the trace needs a destination (node name or IP)");
        }
        if (port < 0 || port > 65535) {
            throw ControlException.badRequest("port", "port " + port + " is not within 0-65535");
        }
        return state.trace(domain, src.strip(), dst.strip(), port, proto == null || proto.isBlank() ? null
                : proto.strip());
    }

    @Override
    public RelayMap relayMap() {
        return hub.relayMap();
    }

    @Override
    public RelayMap setRelayMap(RelayMap map) {
        if (map == null) {
            throw ControlException.badRequest("regions", "the relay map is missing");
        }
        RelayMap valid;
        try {
            valid = RelayMaps.validate("relay map", map);
        } catch (IllegalArgumentException e) {
            throw new ControlException(400, "invalid_relay_map", null, e.getMessage());
        }
        relayMapLock.lock();
        try {
            try {
                StateFiles.writeRelayMap(stateDir, valid);
            } catch (IOException e) {
                throw new ControlException(503, "state_dir_unavailable", null, "cannot save the relay map in "
                        + stateDir + ": " + e.getMessage());
            }
            hub.setRelayMap(valid);
        } finally {
            relayMapLock.unlock();
        }
        AUDIT.info(() -> "relay map replaced: " + valid.regions().size() + " regions "
                + valid.regions().stream().map(r -> r.id() + "/" + r.code()).toList());
        return valid;
    }

    private static Domain domain(DomainRow d) {
        return new Domain(d.id(), d.name(), d.requireApproval(), d.created());
    }

    @Override
    public Domain createDomain(String name, boolean requireApproval) {
        Domain d = domain(state.createDomain(name, requireApproval));
        AUDIT.info(() -> "domain created: " + d.name() + (d.requireApproval() ? " (approval required)" : ""));
        return d;
    }

    @Override
    public List<Domain> listDomains() {
        return state.snapshot().domains().values().stream().sorted(Comparator.comparingLong(DomainRow::id))
                .map(AdminService::domain).toList();
    }

    @Override
    public String createAuthKey(AuthKeySpec spec) {
        String key = state.createAuthKey(spec);
        AUDIT.info(() -> "auth key created: " + dev.warren.control.internal.state.AuthKeys.displayPrefix(key)
                + "… domain=" + spec.domain() + " reusable=" + spec.reusable() + " ephemeral=" + spec.ephemeral()
                + " preapproved=" + spec.preapproved() + " tags=" + spec.tags());
        return key;
    }

    @Override
    public List<NodeView> listNodes(String domain) {
        Snapshot s = state.snapshot();
        Long domainId = null;
        if (domain != null) {
            DomainRow d = s.domainByName(domain);
            if (d == null) {
                throw new ControlException(404, "domain_not_found", "domain", "domain '" + domain + "' does not exist");
            }
            domainId = d.id();
        }
        final Long only = domainId;
        return s.nodes().values().stream().filter(e -> only == null || e.domainId() == only)
                .sorted(Comparator.comparingLong(NodeEntry::id)).map(e -> view(s, e)).toList();
    }

    static NodeView view(Snapshot s, NodeEntry e) {
        var r = e.row();
        DomainRow d = s.domains().get(r.domainId());
        return new NodeView(r.id(), d == null ? null : d.name(), r.name(), e.userLogin(), r.nodeKey().toString(),
                r.machineKey().toString(), e.wire().addresses().stream().map(IpPrefix::toString).toList(),
                r.endpoints(), r.hostinfo() == null ? null : r.hostinfo().hostname(),
                r.hostinfo() == null ? null : r.hostinfo().os(), e.online(), r.authorized(), e.expired(),
                r.keyExpiryDisabled() ? null : r.keyExpiry(), r.keyExpiryDisabled(), r.ephemeral(), r.tags(),
                r.created(), r.lastSeen(), e.discoKey() == null ? null : e.discoKey().toString(), e.homeRelay());
    }

    private NodeView view(NodeEntry e) {
        return view(state.snapshot(), e);
    }

    @Override
    public NodeView approveNode(long id) {
        NodeView v = view(state.approve(id));
        AUDIT.info(() -> "node approved: " + id + " (" + v.name() + ")");
        return v;
    }

    @Override
    public NodeView renameNode(long id, String newName) {
        NodeView v = view(state.rename(id, newName));
        AUDIT.info(() -> "node renamed: " + id + " to " + newName);
        return v;
    }

    @Override
    public NodeView expireNode(long id) {
        NodeView v = view(state.expire(id));
        AUDIT.info(() -> "node key expired: " + id + " (" + v.name() + ")");
        return v;
    }

    @Override
    public NodeView setKeyExpiryDisabled(long id, boolean disabled) {
        NodeView v = view(state.setKeyExpiryDisabled(id, disabled));
        AUDIT.info(() -> "node key expiry " + (disabled ? "disabled" : "enabled") + ": " + id);
        return v;
    }

    @Override
    public void deleteNode(long id) {
        state.delete(id);
        AUDIT.info(() -> "node deleted: " + id);
    }

    @Override
    public void completeInteractiveLogin(String id, String domain, String user) {
        if (id == null || id.isBlank()) {
            throw ControlException.badRequest("id", "the login id is missing");
        }
        if (domain == null || state.snapshot().domainByName(domain) == null) {
            throw new ControlException(404, "domain_not_found", "domain", "domain '" + domain + "' does not exist");
        }
        String login = user == null || user.isBlank() ? "admin@" + domain : user.strip();
        logins.complete(id, domain, login);
        AUDIT.info(() -> "interactive login completed: " + id + " as " + login + " of " + domain);
    }
}
