/**
 * The map streamer. Each map stream has a {@link dev.warren.control.internal.map.MapSession}: a pending change set
 * keyed by node id that merges every change published by the state (flags are ORed; the values are read from the
 * newest snapshot when the message is built, so merging never loses or reorders anything), a writer virtual thread
 * that turns the pending set into one delta message per batch interval, a per-session sequence number, and a bounded
 * backlog of sent messages for resumption by session handle and last sequence number.
 * {@link dev.warren.control.internal.map.MapHub} registers sessions atomically with the snapshot their full map was
 * built from, fans changes out to the sessions of the change's domain (O(sessions) per change, O(1) each), and runs
 * the keep-alive and retention timers. Messages are spliced from each node's cached JSON
 * ({@link dev.warren.control.internal.map.MapEncoder}) and, for streams that asked for it, compressed with DEFLATE
 * from cached per-group pieces ({@link dev.warren.control.internal.map.MapDeflater}). A slow node only grows its
 * own pending set, which is bounded by the number of nodes in its domain; nobody else waits for it.
 */
package dev.warren.control.internal.map;
