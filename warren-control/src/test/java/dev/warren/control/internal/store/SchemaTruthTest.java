package dev.warren.control.internal.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code schema.sql} is the truth: applied to an empty database it yields exactly what the migrations yield. */
class SchemaTruthTest {
    @TempDir
    Path dir;

    @Test
    void schemaSqlEqualsTheMigratedSchema() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("migrated"));
        Databases.open(Databases.resolve(null, dir.resolve("migrated"))).close();
        List<String> migrated = describe("jdbc:sqlite:" + dir.resolve("migrated").resolve("control.db"));

        String truth;
        try (InputStream in = SchemaTruthTest.class.getResourceAsStream("/schema.sql")) {
            truth = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String url = "jdbc:sqlite:" + dir.resolve("truth.db");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            StringBuilder sql = new StringBuilder();
            for (String line : truth.split("\n")) {
                if (!line.strip().startsWith("--")) {
                    sql.append(line).append('\n');
                }
            }
            for (String stmt : sql.toString().split(";")) {
                if (!stmt.isBlank()) {
                    s.execute(stmt);
                }
            }
        }
        List<String> fromTruth = describe(url);
        assertFalse(migrated.isEmpty());
        assertEquals(fromTruth, migrated);
    }

    /** Tables with their column definitions and rows of counters, sorted, without Flyway's own table. */
    private static List<String> describe(String url) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'"
                    + " AND name NOT LIKE 'flyway%' AND name NOT LIKE 'sqlite%' ORDER BY name")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + t + ")")) {
                    while (rs.next()) {
                        out.add(t + "." + rs.getString("name") + " " + rs.getString("type") + " notnull="
                                + rs.getInt("notnull") + " pk=" + rs.getInt("pk"));
                    }
                }
                try (ResultSet rs = s.executeQuery("PRAGMA index_list(" + t + ")")) {
                    while (rs.next()) {
                        out.add(t + " index unique=" + rs.getInt("unique") + " origin=" + rs.getString("origin"));
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT name, value FROM counters ORDER BY name")) {
                while (rs.next()) {
                    out.add("counter " + rs.getString(1) + "=" + rs.getLong(2));
                }
            }
        }
        out.sort(null);
        return out;
    }
}
