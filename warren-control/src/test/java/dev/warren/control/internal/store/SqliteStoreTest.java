package dev.warren.control.internal.store;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract on SQLite (a fresh file per test), and the policy migration over existing domains. */
class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    Store open() {
        return Databases.open(Databases.resolve(null, dir));
    }

    @Override
    Store reopen() {
        return open();
    }

    @Test
    void domainsThatExistAtThePolicyMigrationGetTheAllowAllPolicy() throws Exception {
        Path old = dir.resolve("old");
        java.nio.file.Files.createDirectories(old);
        String url = "jdbc:sqlite:" + old.resolve("control.db");
        Flyway.configure(getClass().getClassLoader()).dataSource(url, null, null)
                .locations("classpath:db/migration").target("202612041930").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO domains (id, name, require_approval, created_at) VALUES (3, 'corp', FALSE, 1000)");
            s.execute("INSERT INTO domains (id, name, require_approval, created_at) VALUES (5, 'lab', TRUE, 2000)");
        }
        try (Store migrated = Databases.open(Databases.resolve(null, old))) {
            List<Rows.PolicyRow> p = migrated.load().policies();
            assertEquals(List.of(3L, 5L), p.stream().map(Rows.PolicyRow::domainId).toList());
            assertEquals(List.of(1000L, 2000L), p.stream().map(r -> r.updated().toEpochMilli()).toList());
            for (Rows.PolicyRow r : p) {
                assertTrue(r.text().contains("{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}"),
                        r.text());
            }
        }
    }
}
