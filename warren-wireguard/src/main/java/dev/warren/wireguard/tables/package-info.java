/**
 * The three lookup tables on WireGuard's packet path, each built so that the per-packet operation never
 * blocks and never allocates: {@link dev.warren.wireguard.tables.AllowedIps} routes an inner IP address to
 * its peer (cryptokey routing, longest-prefix match over IPv4 and IPv6); {@link
 * dev.warren.wireguard.tables.IndexTable} maps the 32-bit receiver index in every transport and handshake
 * message to the handshake or keypair it belongs to; {@link dev.warren.wireguard.tables.ReplayFilter} is
 * the RFC 6479 sliding window that rejects replayed or too-old transport counters. The first two are read
 * by many packet threads at once while configuration and handshakes change them rarely, so both publish
 * immutable (or per-slot immutable) structures through volatile fields and serialise their writers with a
 * lock; readers never take it. The replay filter belongs to one keypair and is used by one thread at a
 * time. None of them knows about peers, sockets or cryptography: the engine in {@code dev.warren.wireguard}
 * supplies the values.
 */
package dev.warren.wireguard.tables;
