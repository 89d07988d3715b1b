/**
 * Disco for magicsock: the node's own disco key pair and the sealed boxes built with it ({@link
 * dev.warren.magicsock.disco.DiscoBox}), the per-peer path state machine ({@link
 * dev.warren.magicsock.disco.PeerPaths}: heartbeats, trust, upgrade attempts, call-me-maybe) and the path scoring
 * with hysteresis ({@link dev.warren.magicsock.disco.AddrScore}). Everything here is pure logic on an injected
 * clock; the socket work is done by {@link dev.warren.magicsock.MagicSock}.
 */
package dev.warren.magicsock.disco;
