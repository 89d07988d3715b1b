/**
 * The node's data planes beyond the plain UDP bind: {@link dev.warren.node.dataplane.MagicDataPlane} (magicsock and
 * relays behind the engine's Bind, wired into the backend's seams) and the
 * {@link dev.warren.node.dataplane.NetworkMonitor} that tells it when the host's addresses or default routes changed.
 */
package dev.warren.node.dataplane;
