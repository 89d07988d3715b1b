package dev.warren.control.internal.state;

import dev.warren.control.AuthKeySpec;
import dev.warren.control.ControlException;
import dev.warren.control.ControlOptions;
import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Contents;
import dev.warren.control.internal.store.Rows.Counters;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.control.internal.store.Rows.PolicyRow;
import dev.warren.control.internal.store.Rows.UserRow;
import dev.warren.control.internal.store.Store;
import dev.warren.control.internal.store.StoreException;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.time.Clock;

import dev.warren.policy.CompiledPolicy;
import dev.warren.policy.Policy;
import dev.warren.policy.PolicyCompiler;
import dev.warren.policy.PolicyException;
import dev.warren.policy.PolicyNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The single writer of the control server's state.
 *
 * <p>Every write, under {@link #lock}: 1. validate against the current snapshot (a {@link ControlException} leaves
 * everything unchanged); 2. write to the store (a {@link StoreException} leaves everything unchanged); 3. publish the
 * new snapshot; 4. hand the resulting {@link Change}s, stamped with the next global sequence number, to the
 * {@link ChangeSink} — still under the lock, so a map stream that subscribes under the same lock sees either the
 * snapshot before a change or the change itself, never neither (the lost update of Headscale's per-node channels).
 *
 * <p>Access policy: each domain's policy is compiled over its nodes and kept in the snapshot. Every commit compares
 * the nodes it changes with their previous entries; where the policy compiler's view of a node changed (created,
 * deleted, user, tags, name), {@link CompiledPolicy#update} recomputes what that affects, and the nodes whose filter
 * or own peer set changed get {@link Change#FILTER} / {@link Change#PEERS} changes in the same commit. A policy set
 * ({@link #setPolicy}) parses and runs the policy's tests before taking the lock, then compiles, stores and
 * publishes like any write.
 *
 * <p>Reads take {@link #snapshot()} and never lock. Online state is in memory only; {@code lastSeen} is stored when a
 * node's last stream closes.
 *
 * <p>Concurrency: one lock, {@link #lock}; the sink and the store are called with it held; nothing else is.
 */
public final class ControlState {
    private static final Logger LOG = Logger.getLogger(ControlState.class.getName());

    private final Store store;
    private final Clock clock;
    private final ControlOptions options;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Snapshot snap; // written under lock
    // guarded by lock
    private ChangeSink sink = (s, c) -> {
    };
    // set once when the server shuts down; later store failures are expected and not worth a warning
    private volatile boolean closed;
    // guarded by lock: open map streams per node id
    private final Map<Long, Integer> streams = new HashMap<>();
    // set once at start-up, before any write
    private volatile PolicyObserver policyObserver = (what, nanos, affected) -> {
    };

    /** Told of every policy (re)compilation: what caused it, how long it took, how many nodes it affected. */
    @FunctionalInterface
    public interface PolicyObserver {
        void recompiled(String what, long nanos, int nodesAffected);
    }

    public ControlState(Store store, Clock clock, ControlOptions options) {
        this.store = store;
        this.clock = clock;
        this.options = options;
        Contents c = store.load();
        Instant now = now();
        Map<Long, DomainRow> domains = new HashMap<>();
        c.domains().forEach(d -> domains.put(d.id(), d));
        Map<Long, UserRow> users = new HashMap<>();
        c.users().forEach(u -> users.put(u.id(), u));
        Map<Long, AuthKeyRow> keys = new HashMap<>();
        Map<String, Long> byHash = new HashMap<>();
        c.authKeys().forEach(k -> {
            keys.put(k.id(), k);
            byHash.put(k.keyHash(), k.id());
        });
        HashMap<Long, NodeEntry> nodes = new HashMap<>();
        HashMap<dev.warren.wire.key.NodeKey, Long> byKey = new HashMap<>();
        for (NodeRow r : c.nodes()) {
            UserRow u = users.get(r.userId());
            nodes.put(r.id(), NodeEntry.of(r, u == null ? "unknown" : u.login(), false, now.toEpochMilli(), now));
            byKey.put(r.nodeKey(), r.id());
        }
        Map<Long, String> texts = new HashMap<>();
        c.policies().forEach(p -> texts.put(p.domainId(), p.text()));
        Map<Long, List<PolicyNode>> byDomain = new HashMap<>();
        for (NodeEntry e : nodes.values()) {
            byDomain.computeIfAbsent(e.domainId(), k -> new ArrayList<>()).add(PolicyNodes.of(e));
        }
        Map<Long, CompiledPolicy> policies = new HashMap<>();
        for (DomainRow d : domains.values()) {
            policies.put(d.id(), PolicyCompiler.compile(storedPolicy(d, texts.get(d.id())),
                    byDomain.getOrDefault(d.id(), List.of())));
        }
        snap = new Snapshot(0, Map.copyOf(domains), Map.copyOf(users), Map.copyOf(keys), Map.copyOf(byHash),
                NodeTable.of(nodes.values()), BucketMap.copyOf(byKey), c.counters(),
                Snapshot.Indexes.of(nodes.values()), Map.copyOf(policies));
    }

    /** What a stored policy that no longer parses is replaced with until an admin sets a valid one: deny all. */
    static final String DENY_ALL_TEXT = """
            // The stored policy of this domain could not be parsed when the server started (see the server log).
            // Until an administrator sets a valid one, every node of the domain is denied everything.
            {"acls": []}
            """;

    private static Policy storedPolicy(DomainRow d, String text) {
        if (text == null) {
            LOG.warning("domain " + d.name() + " has no stored access policy: it gets the allow-all policy");
            return Policy.allowAll();
        }
        try {
            return Policy.parse(d.name() + ".hujson", text);
        } catch (PolicyException e) {
            LOG.severe("the stored access policy of domain " + d.name() + " is invalid; denying all traffic in it"
                    + " until an administrator sets a valid one:\n" + e.getMessage());
            try {
                return Policy.parse(d.name() + ".deny-all.hujson", DENY_ALL_TEXT);
            } catch (PolicyException impossible) {
                throw new IllegalStateException("the deny-all policy does not parse", impossible);
            }
        }
    }

    /** Sets the observer of policy compilations (metrics); call before any write. */
    public void setPolicyObserver(PolicyObserver o) {
        policyObserver = Objects.requireNonNull(o);
    }

    public void setSink(ChangeSink s) {
        lock.lock();
        try {
            sink = s;
        } finally {
            lock.unlock();
        }
    }

    /** The server is shutting down: the store may already be closed. */
    public void markClosed() {
        closed = true;
    }

    public Snapshot snapshot() {
        return snap;
    }

    public Clock clock() {
        return clock;
    }

    public ControlOptions options() {
        return options;
    }

    /** The clock's wall time, truncated to milliseconds (what the store keeps). */
    public Instant now() {
        return Instant.ofEpochMilli(Math.floorDiv(clock.epochNanos(), 1_000_000L));
    }

    /** Runs {@code f} on the current snapshot with the write lock held, so no change slips between the two. */
    public <T> T withLock(Function<Snapshot, T> f) {
        lock.lock();
        try {
            return f.apply(snap);
        } finally {
            lock.unlock();
        }
    }

    private void commitLocked(Snapshot next, List<long[]> nodeChanges) {
        long seq = snap.seq();
        List<long[]> policyChanges = new ArrayList<>();
        next = policyUpdatesLocked(snap, next, nodeChanges, policyChanges);
        List<Change> changes = new ArrayList<>(nodeChanges.size() + policyChanges.size());
        for (long[] c : nodeChanges) {
            changes.add(new Change(++seq, c[0], c[1], (int) c[2]));
        }
        for (long[] c : policyChanges) {
            changes.add(new Change(++seq, c[0], c[1], (int) c[2]));
        }
        snap = next.withSeq(seq);
        if (!changes.isEmpty()) {
            sink.publish(snap, changes);
        }
    }

    /**
     * {@code next} with the compiled policies updated for the nodes {@code nodeChanges} touched, where the
     * compiler's view of them changed; adds the FILTER/PEERS changes of the affected nodes to {@code out}.
     */
    private Snapshot policyUpdatesLocked(Snapshot before, Snapshot next, List<long[]> nodeChanges, List<long[]> out) {
        Map<Long, Map<Long, PolicyNode>> upserted = null;
        Map<Long, Set<Long>> removed = null;
        for (long[] c : nodeChanges) {
            long id = c[1];
            NodeEntry a = before.nodes().get(id);
            NodeEntry b = next.nodes().get(id);
            if (!PolicyNodes.differ(a, b)) {
                continue;
            }
            if (upserted == null) {
                upserted = new LinkedHashMap<>();
                removed = new LinkedHashMap<>();
            }
            if (b == null) {
                removed.computeIfAbsent(c[0], k -> new HashSet<>()).add(id);
            } else {
                upserted.computeIfAbsent(c[0], k -> new LinkedHashMap<>()).put(id, PolicyNodes.of(b));
            }
        }
        if (upserted == null) {
            return next;
        }
        Set<Long> domains = new HashSet<>(upserted.keySet());
        domains.addAll(removed.keySet());
        for (long d : domains) {
            CompiledPolicy p = next.policy(d);
            if (p == null) {
                continue; // cannot happen: every node's domain exists and has a policy
            }
            Map<Long, PolicyNode> up = upserted.getOrDefault(d, Map.of());
            Set<Long> rm = removed.getOrDefault(d, Set.of());
            long t0 = clock.nanoTime();
            // only the upserted nodes' own peer lists are rebuilt from peersChanged; every other node reconciles
            // its view of a changed node pairwise (canSee) when the node change is broadcast, so asking for the
            // rest would compare every touched peer row for nothing (all of them under allow-all)
            CompiledPolicy.Update u = p.update(up.values(), rm, CompiledPolicy.PeerReport.only(up.keySet()));
            next = next.withPolicy(d, u.next());
            int affected = addPolicyChanges(next, d, u, up.keySet(), out);
            policyObserver.recompiled("nodes", clock.nanoTime() - t0, affected);
        }
        return next;
    }

    /**
     * Adds to {@code out} a FILTER change for every node of {@code u.filterChanged()} and a PEERS change for every
     * node of {@code u.peersChanged()} that {@code peersOf} admits (null: all), skipping nodes no longer in
     * {@code next}; returns how many nodes got one.
     */
    private static int addPolicyChanges(Snapshot next, long domain, CompiledPolicy.Update u, Set<Long> peersOf,
                                        List<long[]> out) {
        Set<Long> ids = new java.util.TreeSet<>(u.filterChanged());
        for (long id : u.peersChanged()) {
            if (peersOf == null || peersOf.contains(id)) {
                ids.add(id);
            }
        }
        int n = 0;
        for (long id : ids) {
            if (!next.nodes().containsKey(id)) {
                continue;
            }
            int flags = (u.filterChanged().contains(id) ? Change.FILTER : 0)
                    | (u.peersChanged().contains(id) && (peersOf == null || peersOf.contains(id)) ? Change.PEERS : 0);
            out.add(new long[]{domain, id, flags});
            n++;
        }
        return n;
    }

    private static long[] change(NodeEntry e, int flags) {
        return new long[]{e.domainId(), e.id(), flags};
    }

    // ---------------------------------------------------------------- admin writes

    public DomainRow createDomain(String name, boolean requireApproval) {
        if (!Names.isValidDomainName(name)) {
            throw ControlException.badRequest("name", "domain name '" + name
                    + "' must be 1..63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit");
        }
        lock.lock();
        try {
            Snapshot s = snap;
            if (s.domainByName(name) != null) {
                throw ControlException.conflict("domain_exists", "name", "domain '" + name + "' already exists");
            }
            Counters c = s.counters();
            DomainRow d = new DomainRow(c.domainId(), name, requireApproval, now());
            Policy allowAll = Policy.allowAll();
            store.insertDomain(d, new PolicyRow(d.id(), allowAll.text(), d.created()));
            commitLocked(s.withDomain(d, new Counters(c.domainId() + 1, c.userId(), c.authKeyId(), c.nodeId(),
                    c.addressIndex())).withPolicy(d.id(), PolicyCompiler.compile(allowAll, List.of())), List.of());
            return d;
        } finally {
            lock.unlock();
        }
    }

    public String createAuthKey(AuthKeySpec spec) {
        if (spec == null || spec.domain() == null || spec.domain().isBlank()) {
            throw ControlException.badRequest("domain", "the auth key needs a domain");
        }
        for (String t : spec.tags()) {
            if (!Names.isValidTag(t)) {
                throw ControlException.badRequest("tags", "tag '" + t
                        + "' must look like tag:NAME (lowercase letters, digits, '-')");
            }
        }
        Duration life = spec.expiry() == null ? options.defaultAuthKeyExpiry() : spec.expiry();
        if (life.isNegative() || life.isZero()) {
            throw ControlException.badRequest("expiry", "auth key expiry must be positive, got " + life);
        }
        String login = spec.user() == null ? "admin@" + spec.domain() : spec.user().strip();
        if (login.isEmpty() || login.length() > 320) {
            throw ControlException.badRequest("user", "user must be 1..320 characters");
        }
        lock.lock();
        try {
            Snapshot s = snap;
            DomainRow d = requireDomainLocked(s, spec.domain());
            Instant now = now();
            UserRow u = s.user(d.id(), login);
            if (u == null) {
                u = insertUserLocked(d.id(), login, now);
                s = snap;
            }
            String key = AuthKeys.generate();
            Counters c = s.counters();
            AuthKeyRow k = new AuthKeyRow(c.authKeyId(), d.id(), u.id(), AuthKeys.hash(key),
                    AuthKeys.displayPrefix(key), spec.reusable(), spec.ephemeral(), spec.preapproved(), spec.tags(),
                    now, now.plus(life), null);
            store.insertAuthKey(k);
            commitLocked(s.withAuthKey(k, new Counters(c.domainId(), c.userId(), c.authKeyId() + 1, c.nodeId(),
                    c.addressIndex())), List.of());
            return key;
        } finally {
            lock.unlock();
        }
    }

    private DomainRow requireDomainLocked(Snapshot s, String name) {
        DomainRow d = s.domainByName(name);
        if (d == null) {
            throw new ControlException(404, "domain_not_found", "domain", "domain '" + name + "' does not exist");
        }
        return d;
    }

    private UserRow insertUserLocked(long domainId, String login, Instant now) {
        Snapshot s = snap;
        Counters c = s.counters();
        UserRow u = new UserRow(c.userId(), domainId, login, now);
        store.insertUser(u);
        commitLocked(s.withUser(u, new Counters(c.domainId(), c.userId() + 1, c.authKeyId(), c.nodeId(),
                c.addressIndex())), List.of());
        return u;
    }

    private NodeEntry requireNode(Snapshot s, long id) {
        NodeEntry e = s.nodes().get(id);
        if (e == null) {
            throw ControlException.notFound("node_not_found", "node " + id + " does not exist");
        }
        return e;
    }

    /** Applies {@code f} to node {@code id}'s row: store, snapshot, one FULL change. */
    private NodeEntry updateNode(long id, Function<NodeRow, NodeRow> f) {
        lock.lock();
        try {
            Snapshot s = snap;
            NodeEntry e = requireNode(s, id);
            NodeRow row = f.apply(e.row());
            if (row.equals(e.row())) {
                return e;
            }
            store.updateNode(row);
            NodeEntry ne = e.with(row, now());
            commitLocked(s.withNode(ne, s.counters()), List.of(change(ne, Change.FULL)));
            return ne;
        } finally {
            lock.unlock();
        }
    }

    public NodeEntry approve(long id) {
        return updateNode(id, r -> r.toBuilder().authorized(true).build());
    }

    public NodeEntry rename(long id, String name) {
        if (!Names.isValidNodeName(name)) {
            throw ControlException.badRequest("name", "node name '" + name
                    + "' must be 1..63 lowercase letters, digits or '-', starting and ending with a letter or digit");
        }
        lock.lock();
        try {
            NodeEntry e = requireNode(snap, id);
            if (snap.namesIn(e.domainId(), id).contains(name)) {
                throw ControlException.conflict("name_taken", "name", "another node of the domain is named '"
                        + name + "'");
            }
            return updateNode(id, r -> r.toBuilder().name(name).build());
        } finally {
            lock.unlock();
        }
    }

    public NodeEntry expire(long id) {
        Instant now = now();
        return updateNode(id, r -> r.toBuilder().keyExpiry(now).keyExpiryDisabled(false).build());
    }

    public NodeEntry setKeyExpiryDisabled(long id, boolean disabled) {
        Instant now = now();
        return updateNode(id, r -> {
            if (r.keyExpiryDisabled() == disabled) {
                return r;
            }
            return disabled ? r.toBuilder().keyExpiryDisabled(true).build()
                    : r.toBuilder().keyExpiryDisabled(false).keyExpiry(now.plus(options.defaultKeyExpiry())).build();
        });
    }

    public void delete(long id) {
        lock.lock();
        try {
            Snapshot s = snap;
            NodeEntry e = requireNode(s, id);
            store.deleteNode(id);
            commitLocked(s.withoutNode(id), List.of(change(e, Change.REMOVED)));
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- access policy

    /** Longest policy text accepted (a policy for 10,000 nodes and 1,000 rules is well under this). */
    public static final int MAX_POLICY_CHARS = 4 * 1024 * 1024;

    /** What a policy set did: the domain, how many nodes' filter and peer set changed, how long compiling took. */
    public record PolicySet(String domain, int filtersChanged, int peersChanged, long compileNanos) {
    }

    /** The policy text of domain {@code domain}, as it was set. */
    public String policyText(String domain) {
        Snapshot s = snap;
        DomainRow d = requireDomainLocked(s, domain);
        return s.policy(d.id()).policy().text();
    }

    /**
     * Replaces the access policy of {@code domain} with {@code text} (errors are reported against {@code fileName}):
     * 1. parse and validate it and run its tests, without the lock — any error is a 400 {@link ControlException}
     * whose details give each error's position, and nothing changes; 2. under the lock, compile it over the domain's
     * nodes ({@link CompiledPolicy#withPolicy}), store it, publish the snapshot and a FILTER/PEERS change for each
     * node whose filter or peers changed.
     */
    public PolicySet setPolicy(String domain, String fileName, String text) {
        if (text == null || text.isBlank()) {
            throw ControlException.badRequest("policy", "the policy text is empty");
        }
        if (text.length() > MAX_POLICY_CHARS) {
            throw new ControlException(413, "policy_too_large", "policy", "the policy has " + text.length()
                    + " characters; at most " + MAX_POLICY_CHARS + " are accepted");
        }
        String file = fileName == null || fileName.isBlank() ? "policy.hujson" : fileName;
        if (snap.domainByName(domain) == null) {
            requireDomainLocked(snap, domain); // 404 before the work of parsing
        }
        Policy p;
        try {
            p = Policy.parse(file, text);
        } catch (PolicyException e) {
            throw rejected("invalid_policy", e);
        }
        dev.warren.policy.PolicyTests.TestReport report = dev.warren.policy.PolicyTests.run(p);
        if (!report.passed()) {
            List<ControlException.ErrorDetail> details = report.failures().stream()
                    .map(f -> new ControlException.ErrorDetail(f.file(), f.line(), f.column(), f.message(), null))
                    .toList();
            throw new ControlException(400, "policy_tests_failed", "policy", details.size() + " of the policy's"
                    + " tests failed; the previous policy stays: " + details.getFirst().format(), details);
        }
        lock.lock();
        try {
            Snapshot s = snap;
            DomainRow d = requireDomainLocked(s, domain);
            long t0 = clock.nanoTime();
            CompiledPolicy.Update u = s.policy(d.id()).withPolicy(p);
            long nanos = clock.nanoTime() - t0;
            store.savePolicy(new PolicyRow(d.id(), text, now()));
            List<long[]> changes = new ArrayList<>();
            int affected = addPolicyChanges(s.withPolicy(d.id(), u.next()), d.id(), u, null, changes);
            commitLocked(s.withPolicy(d.id(), u.next()), changes);
            policyObserver.recompiled("policy", nanos, affected);
            return new PolicySet(d.name(), u.filterChanged().size(), u.peersChanged().size(), nanos);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Traces a packet through domain {@code domain}'s policy: from {@code src} (node name, user login, tag or IP)
     * to {@code dst} (node name or IP) port {@code port} over {@code proto} (name or number; null = tcp).
     */
    public dev.warren.policy.PolicyTracer.Trace trace(String domain, String src, String dst, int port, String proto) {
        Snapshot s = snap;
        DomainRow d = requireDomainLocked(s, domain);
        try {
            return dev.warren.policy.PolicyTracer.trace(s.policy(d.id()), PolicyNodes.ofDomain(s, d.id()), src, dst,
                    port, proto);
        } catch (PolicyException e) {
            throw rejected("invalid_trace", e);
        }
    }

    private static ControlException rejected(String code, PolicyException e) {
        List<ControlException.ErrorDetail> details = e.errors().stream()
                .map(x -> new ControlException.ErrorDetail(x.file(), x.line(), x.column(), x.message(), x.hint()))
                .toList();
        String first = details.isEmpty() ? e.getMessage() : details.getFirst().format();
        return new ControlException(400, code, "policy", (details.size() > 1 ? details.size() + " errors, the first: "
                : "") + first, details);
    }

    // ---------------------------------------------------------------- registration

    /** The outcome of a registration: the node as it is now, and its domain's name. */
    public record Registered(NodeEntry node, String domain) {
    }

    /** Registration with a pre-auth key. */
    public Registered registerWithKey(MachineKey machine, RegisterRequest r) {
        lock.lock();
        try {
            Snapshot s = snap;
            Instant now = now();
            Long keyId = s.authKeyByHash().get(AuthKeys.hash(r.authKey()));
            if (keyId == null) {
                throw new ControlException(401, "auth_key_unknown", "authKey", "auth key is not known to this server");
            }
            AuthKeyRow k = s.authKeys().get(keyId);
            if (!now.isBefore(k.expires())) {
                throw new ControlException(401, "auth_key_expired", "authKey", "auth key has expired (at "
                        + k.expires() + ")");
            }
            DomainRow d = s.domains().get(k.domainId());
            NodeEntry existing = s.nodeByMachine(d.id(), machine);
            if (!k.reusable() && k.usedAt() != null
                    && (existing == null || !Objects.equals(existing.row().authKeyId(), k.id()))) {
                throw new ControlException(403, "auth_key_spent", "authKey", "auth key has already been used");
            }
            boolean authorized = !d.requireApproval() || k.preapproved()
                    || (existing != null && existing.row().authorized());
            UserRow u = s.users().get(k.userId());
            boolean firstUse = k.usedAt() == null;
            NodeEntry e = upsertNodeLocked(existing, d, u, machine, r, authorized, k.ephemeral() || r.ephemeral(),
                    k.tags(), k.id(), now, firstUse);
            if (firstUse) {
                Snapshot s2 = snap;
                commitLocked(s2.withAuthKey(k.withUsedAt(now), s2.counters()), List.of());
            }
            return new Registered(e, d.name());
        } finally {
            lock.unlock();
        }
    }

    /** Registration completed by an interactive login as {@code login} of {@code domain}. */
    public Registered registerInteractive(MachineKey machine, RegisterRequest r, String domain, String login) {
        lock.lock();
        try {
            Snapshot s = snap;
            Instant now = now();
            DomainRow d = requireDomainLocked(s, domain);
            UserRow u = s.user(d.id(), login);
            if (u == null) {
                u = insertUserLocked(d.id(), login, now);
            }
            NodeEntry existing = snap.nodeByMachine(d.id(), machine);
            boolean authorized = !d.requireApproval() || (existing != null && existing.row().authorized());
            List<String> tags = existing == null ? List.of() : existing.row().tags();
            NodeEntry e = upsertNodeLocked(existing, d, u, machine, r, authorized, r.ephemeral(), tags, null, now,
                    false);
            return new Registered(e, d.name());
        } finally {
            lock.unlock();
        }
    }

    private NodeEntry upsertNodeLocked(NodeEntry existing, DomainRow d, UserRow u, MachineKey machine,
                                       RegisterRequest r, boolean authorized, boolean ephemeral, List<String> tags,
                                       Long authKeyId, Instant now, boolean markKeyUsed) {
        Snapshot s = snap;
        NodeEntry holder = s.nodeByKey(r.nodeKey());
        if (holder != null && (existing == null || holder.id() != existing.id())) {
            throw new ControlException(409, "node_key_in_use", "nodeKey",
                    "node key is already registered to another node");
        }
        Instant expiry = now.plus(options.defaultKeyExpiry());
        if (existing != null) {
            NodeRow row = existing.row().toBuilder().nodeKey(r.nodeKey()).userId(u.id())
                    .hostinfo(r.hostinfo() != null ? r.hostinfo() : existing.row().hostinfo())
                    .keyExpiry(expiry).authorized(authorized).ephemeral(ephemeral).tags(tags).authKeyId(authKeyId)
                    .build();
            store.saveRegistration(row, false, markKeyUsed ? authKeyId : null, now);
            // a re-login keeps the node's offline time: an ephemeral node's timeout counts from when its stream ended
            NodeEntry ne = existing.with(row, u.login(), existing.online(), existing.offlineSince(), now);
            commitLocked(s.withNode(ne, s.counters()), List.of(change(ne, Change.FULL)));
            return ne;
        }
        Counters c = s.counters();
        long index = Addresses.firstUsable(c.addressIndex());
        String name = Names.unique(Names.sanitize(r.hostinfo() == null ? null : r.hostinfo().hostname()),
                s.namesIn(d.id(), -1));
        NodeRow row = new NodeRow(c.nodeId(), d.id(), u.id(), machine, r.nodeKey(), name, index, r.hostinfo(),
                List.of(), tags, now, null, expiry, false, authorized, ephemeral, authKeyId);
        store.saveRegistration(row, true, markKeyUsed ? authKeyId : null, now);
        NodeEntry ne = NodeEntry.of(row, u.login(), false, now.toEpochMilli(), now);
        commitLocked(s.withNode(ne, new Counters(c.domainId(), c.userId(), c.authKeyId(), c.nodeId() + 1,
                index + 1)), List.of(change(ne, Change.FULL)));
        return ne;
    }

    /** Moves the identity of the node holding {@code r.oldNodeKey()} to {@code r.nodeKey()}; expiry unchanged. */
    public Registered rotate(MachineKey machine, RegisterRequest r) {
        lock.lock();
        try {
            Snapshot s = snap;
            NodeEntry e = ownedBy(s.nodeByKey(r.oldNodeKey()), machine, "oldNodeKey");
            if (e.expired()) {
                throw new ControlException(401, "node_key_expired", "oldNodeKey",
                        "the old node key has expired; log in again with an auth key or interactively");
            }
            NodeEntry holder = s.nodeByKey(r.nodeKey());
            if (holder != null && holder.id() != e.id()) {
                throw new ControlException(409, "node_key_in_use", "nodeKey",
                        "node key is already registered to another node");
            }
            NodeRow row = e.row().toBuilder().nodeKey(r.nodeKey())
                    .hostinfo(r.hostinfo() != null ? r.hostinfo() : e.row().hostinfo()).build();
            store.updateNode(row);
            NodeEntry ne = e.with(row, now());
            commitLocked(s.withNode(ne, s.counters()), List.of(change(ne, Change.FULL)));
            return new Registered(ne, s.domains().get(ne.domainId()).name());
        } finally {
            lock.unlock();
        }
    }

    /** Logs node key {@code r.nodeKey()} out: an ephemeral node is deleted, another one's key expires now. */
    public Registered logout(MachineKey machine, RegisterRequest r) {
        lock.lock();
        try {
            Snapshot s = snap;
            NodeEntry e = ownedBy(s.nodeByKey(r.nodeKey()), machine, "nodeKey");
            String domain = s.domains().get(e.domainId()).name();
            if (e.row().ephemeral()) {
                store.deleteNode(e.id());
                commitLocked(s.withoutNode(e.id()), List.of(change(e, Change.REMOVED)));
                return new Registered(e.with(e.row().toBuilder().keyExpiry(now()).build(), now()), domain);
            }
            Instant now = now();
            NodeRow row = e.row().toBuilder().keyExpiry(now).keyExpiryDisabled(false).build();
            store.updateNode(row);
            NodeEntry ne = e.with(row, now);
            commitLocked(s.withNode(ne, s.counters()), List.of(change(ne, Change.FULL)));
            return new Registered(ne, domain);
        } finally {
            lock.unlock();
        }
    }

    /** The node {@code machine} registered under {@code r.nodeKey()}, or null. */
    public Registered status(MachineKey machine, RegisterRequest r) {
        Snapshot s = snap;
        NodeEntry e = s.nodeByKey(r.nodeKey());
        if (e == null || !e.row().machineKey().equals(machine)) {
            return null;
        }
        return new Registered(e, s.domains().get(e.domainId()).name());
    }

    private static NodeEntry ownedBy(NodeEntry e, MachineKey machine, String field) {
        if (e == null) {
            throw new ControlException(404, "node_unknown", field, field + " is not registered");
        }
        if (!e.row().machineKey().equals(machine)) {
            throw new ControlException(403, "machine_mismatch", field, field
                    + " is registered to another machine");
        }
        return e;
    }

    // ---------------------------------------------------------------- map-stream writes

    /** Endpoints and host info reported by a node; null fields are unchanged. No change, no write. */
    public void update(long nodeId, List<String> endpoints, Hostinfo hostinfo) {
        update(nodeId, endpoints, hostinfo, null, null);
    }

    /**
     * Endpoints, host info, disco key and home relay reported by a node; null fields are unchanged. Endpoints and
     * host info are stored; the disco key and home relay are kept in memory only (the node re-sends them on every
     * map request) and reach peers as a patch. No change, no write.
     */
    public void update(long nodeId, List<String> endpoints, Hostinfo hostinfo, DiscoKey discoKey,
                       Integer homeRelay) {
        lock.lock();
        try {
            Snapshot s = snap;
            NodeEntry e = s.nodes().get(nodeId);
            if (e == null) {
                return;
            }
            int flags = 0;
            NodeRow.Builder b = e.row().toBuilder();
            if (endpoints != null && !endpoints.equals(e.row().endpoints())) {
                b.endpoints(endpoints);
                flags |= Change.ENDPOINTS;
            }
            if (hostinfo != null && !hostinfo.equals(e.row().hostinfo())) {
                b.hostinfo(hostinfo);
                flags |= Change.FULL;
            }
            DiscoKey dk = discoKey != null ? discoKey : e.discoKey();
            int home = homeRelay != null ? homeRelay : e.homeRelay();
            boolean disco = !Objects.equals(dk, e.discoKey()) || home != e.homeRelay();
            if (flags == 0 && !disco) {
                return;
            }
            NodeEntry ne = e;
            if (flags != 0) {
                NodeRow row = b.build();
                store.updateNode(row);
                ne = e.with(row, now());
            }
            if (disco) {
                ne = ne.withDisco(dk, home, now());
                flags |= Change.DISCO;
            }
            commitLocked(s.withNode(ne, s.counters()), List.of(change(ne, flags)));
        } finally {
            lock.unlock();
        }
    }

    public void streamOpened(long nodeId) {
        lock.lock();
        try {
            int n = streams.merge(nodeId, 1, Integer::sum);
            NodeEntry e = snap.nodes().get(nodeId);
            if (n == 1 && e != null && !e.online()) {
                Instant now = now();
                NodeEntry ne = e.withOnline(true, e.offlineSince(), now);
                commitLocked(snap.withNode(ne, snap.counters()), List.of(change(ne, Change.ONLINE)));
            }
        } finally {
            lock.unlock();
        }
    }

    public void streamClosed(long nodeId) {
        lock.lock();
        try {
            Integer n = streams.get(nodeId);
            if (n == null) {
                return;
            }
            if (n > 1) {
                streams.put(nodeId, n - 1);
                return;
            }
            streams.remove(nodeId);
            NodeEntry e = snap.nodes().get(nodeId);
            if (e == null) {
                return;
            }
            Instant now = now();
            NodeRow row = e.row().toBuilder().lastSeen(now).build();
            try {
                store.updateNode(row);
            } catch (StoreException ex) {
                // Online state is not durable; the node still goes offline, only lastSeen is not kept.
                LOG.log(closed ? Level.FINE : Level.WARNING, "cannot store lastSeen of node " + nodeId + ": "
                        + ex.getMessage());
                row = e.row();
            }
            NodeEntry ne = e.with(row, e.userLogin(), false, now.toEpochMilli(), now);
            commitLocked(snap.withNode(ne, snap.counters()), List.of(change(ne, Change.ONLINE)));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Housekeeping on the clock: nodes whose key expiry passed become expired (peers drop them); ephemeral nodes
     * offline for the ephemeral timeout are deleted.
     */
    public void tick() {
        lock.lock();
        try {
            Instant now = now();
            long ephemeralMs = options.ephemeralTimeout().toMillis();
            Snapshot s = snap;
            List<NodeEntry> expiring = new ArrayList<>();
            List<NodeEntry> removing = new ArrayList<>();
            for (NodeEntry e : s.nodes().values()) {
                if (e.row().ephemeral() && !e.online() && e.offlineSince() + ephemeralMs <= now.toEpochMilli()) {
                    removing.add(e);
                } else if (NodeEntry.isExpired(e.row(), now) != e.expired()) {
                    expiring.add(e);
                }
            }
            for (NodeEntry e : expiring) {
                NodeEntry ne = e.with(e.row(), now);
                commitLocked(snap.withNode(ne, snap.counters()), List.of(change(ne, Change.FULL)));
            }
            for (NodeEntry e : removing) {
                try {
                    store.deleteNode(e.id());
                } catch (StoreException ex) {
                    LOG.log(Level.WARNING, "cannot delete ephemeral node " + e.id() + ": " + ex.getMessage());
                    continue;
                }
                commitLocked(snap.withoutNode(e.id()), List.of(change(e, Change.REMOVED)));
            }
        } finally {
            lock.unlock();
        }
    }
}
