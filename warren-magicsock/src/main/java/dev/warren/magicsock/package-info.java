/**
 * magicsock: the node's one UDP socket, carrying WireGuard, disco and STUN (demultiplexed by first bytes), behind
 * the WireGuard engine's {@link dev.warren.wire.datapath.Bind}. Per-peer path discovery with disco ping/pong and
 * call-me-maybe, relay fallback until a direct path is proven, netcheck and port mapping.
 */
package dev.warren.magicsock;
