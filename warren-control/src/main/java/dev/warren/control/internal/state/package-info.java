/**
 * The control server's state: an immutable in-memory {@link dev.warren.control.internal.state.Snapshot} that every
 * read uses (never SQL), and {@link dev.warren.control.internal.state.ControlState}, the single writer. A write
 * validates against the current snapshot, goes to the store, then publishes a new snapshot and the
 * {@link dev.warren.control.internal.state.Change}s it caused, each with a global sequence number, to the map
 * streamer. The snapshot's node collections are persistent (copy-on-write in small pieces:
 * {@link dev.warren.control.internal.state.NodeTable}, {@link dev.warren.control.internal.state.BucketMap}), so a
 * write costs far less than copying 10,000 nodes, and each node's JSON is encoded once, when its entry is made.
 * Pure helpers live beside it: DNS-safe node names, address allocation from 100.64.0.0/10 and
 * fd7a:115c:a1e0::/48, and pre-auth key generation and hashing.
 */
package dev.warren.control.internal.state;
