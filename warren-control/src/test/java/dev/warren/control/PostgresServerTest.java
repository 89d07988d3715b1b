package dev.warren.control;

import dev.warren.control.internal.store.Databases;
import dev.warren.testing.FakeClock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A whole server on PostgreSQL (when {@code WARREN_TEST_POSTGRES_URL} is set): state survives a restart, node ids
 * and addresses stay the same, and so does the domain's access policy.
 */
class PostgresServerTest {
    static final String POLICY = "// only admins, only ssh\n{\"acls\": [{\"action\": \"accept\","
            + " \"src\": [\"admin@corp\"], \"dst\": [\"admin@corp:22\"]}]}\n";

    @TempDir
    Path dir;

    @Test
    void stateSurvivesRestartOnPostgres() throws Exception {
        String url = System.getenv("WARREN_TEST_POSTGRES_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(),
                "WARREN_TEST_POSTGRES_URL is not set: skipping the PostgreSQL server test");
        String schema = "warren_srv_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        String db = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        try {
            FakeClock clock = new FakeClock();
            NodeView before;
            try (ControlServer s = ControlServer.start(new ControlServerConfig("127.0.0.1", 0, dir, db, clock))) {
                s.admin().createDomain("corp", false);
                new SimNode(s, "pg-node").register(s.admin().createAuthKey(AuthKeySpec.of("corp")));
                before = s.admin().listNodes("corp").getFirst();
                assertEquals(dev.warren.policy.Policy.ALLOW_ALL_TEXT, s.admin().policy("corp"));
                s.admin().setPolicy("corp", null, POLICY);
            }
            try (ControlServer s = ControlServer.start(new ControlServerConfig("127.0.0.1", 0, dir, db, clock))) {
                assertEquals(POLICY, s.admin().policy("corp"), "the policy survives a restart");
                NodeView after = s.admin().listNodes("corp").getFirst();
                assertEquals(before.id(), after.id());
                assertEquals(before.addresses(), after.addresses());
                assertEquals(before.nodeKey(), after.nodeKey());
            }
        } finally {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    @Test
    void urlForms() {
        var t = Databases.resolve("postgresql://u:p%40ss@db.example:5433/warren?sslmode=require", null);
        assertEquals("jdbc:postgresql://db.example:5433/warren?sslmode=require", t.jdbcUrl());
        assertEquals("u", t.properties().getProperty("user"));
        assertEquals("p@ss", t.properties().getProperty("password"));
        assertEquals("postgresql://u:***@db.example/x",
                ControlServerConfig.redact("postgresql://u:secret@db.example/x"));
    }
}
