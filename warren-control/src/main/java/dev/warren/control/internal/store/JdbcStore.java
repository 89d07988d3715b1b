package dev.warren.control.internal.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Contents;
import dev.warren.control.internal.store.Rows.Counters;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.control.internal.store.Rows.PolicyRow;
import dev.warren.control.internal.store.Rows.UserRow;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one {@link Store} implementation, over JDBC with SQL that SQLite and PostgreSQL both accept.
 *
 * <p>Concurrency: one connection, every method {@code synchronized} on this store and run as one transaction
 * (auto-commit off, commit or roll back before returning). Writes are already serialized by the state's write
 * lock, so one connection costs nothing; reads happen once, at start-up.
 */
public final class JdbcStore implements Store {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    // guarded by this
    private final Connection conn;

    public JdbcStore(Connection conn) {
        this.conn = conn;
        try {
            conn.setAutoCommit(false);
        } catch (SQLException e) {
            throw new StoreException("cannot configure the database connection: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Tx<T> {
        T run() throws SQLException;
    }

    private synchronized <T> T tx(String what, Tx<T> body) {
        try {
            T t = body.run();
            conn.commit();
            return t;
        } catch (SQLException | RuntimeException e) {
            try {
                conn.rollback();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Contents load() {
        return tx("load", () -> {
            List<DomainRow> domains = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, name, require_approval, created_at FROM domains ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    domains.add(new DomainRow(rs.getLong(1), rs.getString(2), rs.getBoolean(3), ms(rs.getLong(4))));
                }
            }
            List<UserRow> users = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, domain_id, login, created_at FROM users ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(new UserRow(rs.getLong(1), rs.getLong(2), rs.getString(3), ms(rs.getLong(4))));
                }
            }
            List<AuthKeyRow> keys = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, domain_id, user_id, key_hash, key_prefix, reusable, ephemeral, preapproved, tags,"
                            + " created_at, expires_at, used_at FROM auth_keys ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new AuthKeyRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getBoolean(6), rs.getBoolean(7), rs.getBoolean(8),
                            strings(rs.getString(9)), ms(rs.getLong(10)), ms(rs.getLong(11)), msOrNull(rs, 12)));
                }
            }
            List<NodeRow> nodes = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, domain_id, user_id, machine_key, node_key, name, address_index, hostinfo, endpoints,"
                            + " tags, created_at, last_seen, key_expiry, key_expiry_disabled, authorized, ephemeral,"
                            + " auth_key_id FROM nodes ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long authKey = rs.getLong(17);
                    Long authKeyId = rs.wasNull() ? null : authKey;
                    nodes.add(new NodeRow(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                            MachineKey.parse(rs.getString(4)), NodeKey.parse(rs.getString(5)), rs.getString(6),
                            rs.getLong(7), hostinfo(rs.getString(8)), strings(rs.getString(9)),
                            strings(rs.getString(10)), ms(rs.getLong(11)), msOrNull(rs, 12), ms(rs.getLong(13)),
                            rs.getBoolean(14), rs.getBoolean(15), rs.getBoolean(16), authKeyId));
                }
            }
            List<PolicyRow> policies = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT domain_id, text, updated_at FROM policies ORDER BY domain_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    policies.add(new PolicyRow(rs.getLong(1), rs.getString(2), ms(rs.getLong(3))));
                }
            }
            Map<String, Long> c = new HashMap<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT name, value FROM counters");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    c.put(rs.getString(1), rs.getLong(2));
                }
            }
            Counters counters = new Counters(c.getOrDefault("domain_id", 1L), c.getOrDefault("user_id", 1L),
                    c.getOrDefault("auth_key_id", 1L), c.getOrDefault("node_id", 1L),
                    c.getOrDefault("address_index", 1L));
            return new Contents(List.copyOf(domains), List.copyOf(users), List.copyOf(keys), List.copyOf(nodes),
                    counters, List.copyOf(policies));
        });
    }

    @Override
    public void insertDomain(DomainRow d, PolicyRow policy) {
        if (policy.domainId() != d.id()) {
            throw new StoreException("the policy of domain " + d.id() + " names domain " + policy.domainId(), null);
        }
        tx("insert domain '" + d.name() + "'", () -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO domains (id, name, require_approval, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setLong(1, d.id());
                ps.setString(2, d.name());
                ps.setBoolean(3, d.requireApproval());
                ps.setLong(4, d.created().toEpochMilli());
                ps.executeUpdate();
            }
            insertPolicyInTx(policy);
            advance("domain_id", d.id() + 1);
            return null;
        });
    }

    private void insertPolicyInTx(PolicyRow p) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO policies (domain_id, text, updated_at) VALUES (?, ?, ?)")) {
            ps.setLong(1, p.domainId());
            ps.setString(2, p.text());
            ps.setLong(3, p.updated().toEpochMilli());
            ps.executeUpdate();
        }
    }

    @Override
    public void savePolicy(PolicyRow p) {
        tx("save the policy of domain " + p.domainId(), () -> {
            int rows;
            try (PreparedStatement ps = conn.prepareStatement(
                    "UPDATE policies SET text = ?, updated_at = ? WHERE domain_id = ?")) {
                ps.setString(1, p.text());
                ps.setLong(2, p.updated().toEpochMilli());
                ps.setLong(3, p.domainId());
                rows = ps.executeUpdate();
            }
            if (rows == 0) {
                insertPolicyInTx(p); // a domain without a policy row (none after the migration; the FK checks it)
            }
            return null;
        });
    }

    @Override
    public void insertUser(UserRow u) {
        tx("insert user '" + u.login() + "'", () -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO users (id, domain_id, login, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setLong(1, u.id());
                ps.setLong(2, u.domainId());
                ps.setString(3, u.login());
                ps.setLong(4, u.created().toEpochMilli());
                ps.executeUpdate();
            }
            advance("user_id", u.id() + 1);
            return null;
        });
    }

    @Override
    public void insertAuthKey(AuthKeyRow k) {
        tx("insert auth key", () -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO auth_keys (id, domain_id, user_id, key_hash, key_prefix, reusable, ephemeral,"
                            + " preapproved, tags, created_at, expires_at, used_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, k.id());
                ps.setLong(2, k.domainId());
                ps.setLong(3, k.userId());
                ps.setString(4, k.keyHash());
                ps.setString(5, k.keyPrefix());
                ps.setBoolean(6, k.reusable());
                ps.setBoolean(7, k.ephemeral());
                ps.setBoolean(8, k.preapproved());
                ps.setString(9, json(k.tags()));
                ps.setLong(10, k.created().toEpochMilli());
                ps.setLong(11, k.expires().toEpochMilli());
                setMs(ps, 12, k.usedAt());
                ps.executeUpdate();
            }
            advance("auth_key_id", k.id() + 1);
            return null;
        });
    }

    @Override
    public void markAuthKeyUsed(long id, Instant usedAt) {
        tx("mark auth key " + id + " used", () -> {
            markUsedInTx(id, usedAt);
            return null;
        });
    }

    private void markUsedInTx(long id, Instant usedAt) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("UPDATE auth_keys SET used_at = ? WHERE id = ?")) {
            ps.setLong(1, usedAt.toEpochMilli());
            ps.setLong(2, id);
            expectOne(ps.executeUpdate(), "auth key " + id);
        }
    }

    @Override
    public void saveRegistration(NodeRow n, boolean isNew, Long usedKeyId, Instant usedAt) {
        tx("save registration of node '" + n.name() + "'", () -> {
            if (isNew) {
                insertNodeInTx(n);
            } else {
                updateNodeInTx(n);
            }
            if (usedKeyId != null) {
                markUsedInTx(usedKeyId, usedAt);
            }
            return null;
        });
    }

    @Override
    public void insertNode(NodeRow n) {
        tx("insert node '" + n.name() + "'", () -> {
            insertNodeInTx(n);
            return null;
        });
    }

    private void insertNodeInTx(NodeRow n) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO nodes (id, domain_id, user_id, machine_key, node_key, name, address_index, hostinfo,"
                        + " endpoints, tags, created_at, last_seen, key_expiry, key_expiry_disabled, authorized,"
                        + " ephemeral, auth_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, n.id());
            ps.setLong(2, n.domainId());
            ps.setLong(3, n.userId());
            ps.setString(4, n.machineKey().toString());
            ps.setString(5, n.nodeKey().toString());
            ps.setString(6, n.name());
            ps.setLong(7, n.addressIndex());
            ps.setString(8, n.hostinfo() == null ? null : json(n.hostinfo()));
            ps.setString(9, json(n.endpoints()));
            ps.setString(10, json(n.tags()));
            ps.setLong(11, n.created().toEpochMilli());
            setMs(ps, 12, n.lastSeen());
            ps.setLong(13, n.keyExpiry().toEpochMilli());
            ps.setBoolean(14, n.keyExpiryDisabled());
            ps.setBoolean(15, n.authorized());
            ps.setBoolean(16, n.ephemeral());
            if (n.authKeyId() == null) {
                ps.setNull(17, Types.BIGINT);
            } else {
                ps.setLong(17, n.authKeyId());
            }
            ps.executeUpdate();
        }
        advance("node_id", n.id() + 1);
        advance("address_index", n.addressIndex() + 1);
    }

    @Override
    public void updateNode(NodeRow n) {
        tx("update node " + n.id(), () -> {
            updateNodeInTx(n);
            return null;
        });
    }

    private void updateNodeInTx(NodeRow n) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "UPDATE nodes SET user_id = ?, node_key = ?, name = ?, hostinfo = ?, endpoints = ?, tags = ?,"
                        + " last_seen = ?, key_expiry = ?, key_expiry_disabled = ?, authorized = ?,"
                        + " ephemeral = ?, auth_key_id = ? WHERE id = ?")) {
            ps.setLong(1, n.userId());
            ps.setString(2, n.nodeKey().toString());
            ps.setString(3, n.name());
            ps.setString(4, n.hostinfo() == null ? null : json(n.hostinfo()));
            ps.setString(5, json(n.endpoints()));
            ps.setString(6, json(n.tags()));
            setMs(ps, 7, n.lastSeen());
            ps.setLong(8, n.keyExpiry().toEpochMilli());
            ps.setBoolean(9, n.keyExpiryDisabled());
            ps.setBoolean(10, n.authorized());
            ps.setBoolean(11, n.ephemeral());
            if (n.authKeyId() == null) {
                ps.setNull(12, Types.BIGINT);
            } else {
                ps.setLong(12, n.authKeyId());
            }
            ps.setLong(13, n.id());
            expectOne(ps.executeUpdate(), "node " + n.id());
        }
    }

    @Override
    public void deleteNode(long id) {
        tx("delete node " + id, () -> {
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM nodes WHERE id = ?")) {
                ps.setLong(1, id);
                expectOne(ps.executeUpdate(), "node " + id);
            }
            return null;
        });
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing is best effort
        }
    }

    private void advance(String counter, long atLeast) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "UPDATE counters SET value = ? WHERE name = ? AND value < ?")) {
            ps.setLong(1, atLeast);
            ps.setString(2, counter);
            ps.setLong(3, atLeast);
            ps.executeUpdate();
        }
    }

    private static void expectOne(int rows, String what) {
        if (rows != 1) {
            throw new StoreException(what + " does not exist in the store", null);
        }
    }

    private static void setMs(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, t.toEpochMilli());
        }
    }

    private static Instant ms(long v) {
        return Instant.ofEpochMilli(v);
    }

    private static Instant msOrNull(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static String json(Object o) {
        try {
            return ControlJson.mapper().writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(String s) throws SQLException {
        try {
            return s == null ? List.of() : ControlJson.mapper().readValue(s, STRINGS);
        } catch (IOException e) {
            throw new SQLException("bad JSON list in the store: " + e.getMessage(), e);
        }
    }

    private static Hostinfo hostinfo(String s) throws SQLException {
        try {
            return s == null ? null : ControlJson.mapper().readValue(s, Hostinfo.class);
        } catch (IOException e) {
            throw new SQLException("bad hostinfo JSON in the store: " + e.getMessage(), e);
        }
    }
}
