/**
 * The node's parts behind {@link dev.warren.node.NodeBackend}: the control session loop with back-off and resume
 * ({@link dev.warren.node.internal.ControlSession}), the network map and its delta rules
 * ({@link dev.warren.node.internal.NetMap}), the diff from map to WireGuard configuration
 * ({@link dev.warren.node.internal.EngineSync}), key and login files ({@link dev.warren.node.internal.StateStore}),
 * ping through the tunnel ({@link dev.warren.node.internal.Icmp}, {@link dev.warren.node.internal.PingTun}), and the
 * local API server. Not API: anything here may change without notice.
 */
package dev.warren.node.internal;
