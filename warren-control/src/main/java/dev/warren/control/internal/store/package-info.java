/**
 * Durable storage of the control server: domains, users, pre-auth keys (hashes only), nodes and the monotonic
 * counters that hand out ids and address indexes. {@link dev.warren.control.internal.store.Store} is the contract;
 * {@link dev.warren.control.internal.store.JdbcStore} implements it once for SQLite and PostgreSQL with portable SQL,
 * and {@link dev.warren.control.internal.store.Databases} opens a database from the configured URL and brings its
 * schema up to date with Flyway ({@code db/migration}, append-only; {@code schema.sql} is the documented truth).
 *
 * <p>The store is only written, and read once at start-up: the server answers every read from its in-memory
 * snapshot. Each method is one transaction, so a write either happens completely or not at all.
 */
package dev.warren.control.internal.store;
