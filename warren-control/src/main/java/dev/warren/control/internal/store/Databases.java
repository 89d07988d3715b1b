package dev.warren.control.internal.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Opens the configured database and migrates its schema.
 *
 * <ol>
 *   <li>Resolve the URL: null ⇒ {@code jdbc:sqlite:<stateDir>/control.db}; {@code postgresql://user:pass@host/db}
 *       ⇒ {@code jdbc:postgresql://host/db} with user and password as properties; JDBC URLs as given.</li>
 *   <li>Run Flyway's migrations from {@code classpath:db/migration} (the same portable SQL for both).</li>
 *   <li>Open one connection and wrap it in a {@link JdbcStore}.</li>
 * </ol>
 */
public final class Databases {
    private Databases() {
    }

    /** A JDBC URL with its connection properties. */
    public record Target(String jdbcUrl, Properties properties) {
        public boolean isSqlite() {
            return jdbcUrl.startsWith("jdbc:sqlite:");
        }
    }

    public static Target resolve(String dbUrl, Path stateDir) {
        Properties p = new Properties();
        if (dbUrl == null) {
            return new Target("jdbc:sqlite:" + stateDir.resolve("control.db").toAbsolutePath(), p);
        }
        if (dbUrl.startsWith("postgresql://") || dbUrl.startsWith("postgres://")) {
            URI u;
            try {
                u = new URI(dbUrl);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("dbUrl is not a valid URL: " + e.getReason());
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException("dbUrl names no host");
            }
            String info = u.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                p.setProperty("user", decode(colon < 0 ? info : info.substring(0, colon)));
                if (colon >= 0) {
                    p.setProperty("password", decode(info.substring(colon + 1)));
                }
            }
            String jdbc = "jdbc:postgresql://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "/" : u.getRawPath())
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            return new Target(jdbc, p);
        }
        return new Target(dbUrl, p);
    }

    /** Opens, migrates and wraps the database; the message of a failure names the (redacted) URL. */
    public static JdbcStore open(Target t) {
        try {
            Flyway.configure(Databases.class.getClassLoader())
                    .dataSource(t.jdbcUrl(), t.properties().getProperty("user"), t.properties().getProperty("password"))
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException("cannot migrate the database schema: " + e.getMessage(), e);
        }
        try {
            Connection c = DriverManager.getConnection(t.jdbcUrl(), t.properties());
            if (t.isSqlite()) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA foreign_keys=ON");
                    s.execute("PRAGMA busy_timeout=5000");
                    s.execute("PRAGMA synchronous=NORMAL");
                }
            }
            return new JdbcStore(c);
        } catch (SQLException e) {
            throw new StoreException("cannot open the database: " + e.getMessage(), e);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
