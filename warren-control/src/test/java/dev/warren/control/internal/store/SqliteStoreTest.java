package dev.warren.control.internal.store;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The store contract on SQLite (a fresh file per test). */
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
}
