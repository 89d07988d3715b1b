/**
 * The relay server: {@link dev.warren.relay.server.RelayServer} accepts TCP (or TLS) connections, upgrades them
 * from HTTP, checks that each client holds the key it claims and that control knows it
 * ({@link dev.warren.relay.server.Admission}), and forwards packets between clients by public key through per-client
 * queues ({@code ClientConn}, {@code Router}); {@code MeshLink}s connect it to the other relays of its region, and a
 * {@link dev.warren.relay.server.StunServer} answers STUN Binding requests on UDP of the same host.
 * {@link dev.warren.relay.server.TlsFiles} loads a PEM certificate chain and key.
 */
package dev.warren.relay.server;
