package dev.warren.control.internal.store;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * The store contract on PostgreSQL, when {@code WARREN_TEST_POSTGRES_URL} names one (a {@code jdbc:postgresql:}
 * URL with user and password); each test gets a schema with a random name, dropped afterwards.
 */
class PostgresStoreTest extends StoreContract {
    static String url;
    String schema;

    @BeforeAll
    static void needPostgres() {
        url = System.getenv("WARREN_TEST_POSTGRES_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(),
                "WARREN_TEST_POSTGRES_URL is not set: skipping the PostgreSQL store tests (bin/test sets it)");
    }

    @Override
    Store open() throws Exception {
        schema = "warren_test_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return reopen();
    }

    @Override
    Store reopen() {
        String sep = url.contains("?") ? "&" : "?";
        return Databases.open(Databases.resolve(url + sep + "currentSchema=" + schema, null));
    }

    @org.junit.jupiter.api.Test
    void domainsThatExistAtThePolicyMigrationGetTheAllowAllPolicy() throws Exception {
        String sep = url.contains("?") ? "&" : "?";
        String old = url + sep + "currentSchema=" + schema + "_old";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema + "_old");
        }
        try {
            org.flywaydb.core.Flyway.configure(getClass().getClassLoader()).dataSource(old, null, null)
                    .locations("classpath:db/migration").target("202612041930").load().migrate();
            try (Connection c = DriverManager.getConnection(old); Statement s = c.createStatement()) {
                s.execute("INSERT INTO domains (id, name, require_approval, created_at) VALUES (4, 'corp', FALSE, 7)");
            }
            try (Store migrated = Databases.open(Databases.resolve(old, null))) {
                java.util.List<Rows.PolicyRow> p = migrated.load().policies();
                org.junit.jupiter.api.Assertions.assertEquals(1, p.size());
                org.junit.jupiter.api.Assertions.assertEquals(4, p.getFirst().domainId());
                org.junit.jupiter.api.Assertions.assertTrue(p.getFirst().text()
                        .contains("{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}"));
            }
        } finally {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + "_old CASCADE");
            }
        }
    }

    @Override
    void tearDown() {
        super.tearDown();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        } catch (Exception e) {
            // best effort cleanup
        }
    }
}
