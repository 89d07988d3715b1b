/**
 * The Warren coordination server: it registers nodes (pre-auth keys or an interactive login), allocates their
 * addresses, and streams each node its network map — a full map first, then merged, batched deltas — over the
 * control channel. It never sees a private key of a node.
 *
 * <p>The public surface is small: {@link dev.warren.control.ControlServer} (start, stop, where it listens, its
 * public key, its protocol handler), {@link dev.warren.control.ControlServerConfig} and
 * {@link dev.warren.control.ControlOptions} (validated once), and {@link dev.warren.control.ControlAdmin}, the Java
 * API the CLI, the REST API and tests use to manage domains, auth keys and nodes. Errors are
 * {@link dev.warren.control.ControlException}s carrying an HTTP status, a stable code and a sentence. Everything
 * else lives in {@code internal} packages: the SQL store, the in-memory state snapshot, the map streamer, the
 * protocol handler and the HTTP routes.
 */
package dev.warren.control;
