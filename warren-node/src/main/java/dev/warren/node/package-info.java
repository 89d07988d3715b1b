/**
 * The Warren node: what {@code warren node} runs and {@code warren up/down/status/ping} talk to.
 *
 * <p>{@link dev.warren.node.NodeBackend} is the state machine (NeedsLogin → Starting → Running, Stopped after
 * {@code down}); it logs in to control over a {@link dev.warren.channel.ControlDialer}, keeps a streaming network
 * map, and drives the WireGuard engine so that its peers are exactly the map's authorized, unexpired peers — applying
 * only differences, so sessions survive map updates, and never clearing peers when control goes away, so the data
 * plane keeps working through control outages. Everything it touches (TUN, UDP bind, control transport, time) is
 * injected, so it runs in tests on in-memory fakes. {@link dev.warren.node.NodeDaemon} puts it on a real Linux TUN
 * device and serves the local API, newline-delimited JSON over a Unix socket, that
 * {@link dev.warren.node.LocalApiClient} speaks for the CLI.
 */
package dev.warren.node;
