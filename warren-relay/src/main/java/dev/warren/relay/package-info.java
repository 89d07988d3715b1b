/**
 * The relay: a TCP (optionally TLS) server reached by an HTTP upgrade that forwards already-encrypted WireGuard
 * packets and disco messages between clients addressed by node public key, a STUN server beside it, the client
 * nodes use, and the regional mesh between relays. It can decrypt nothing it forwards.
 */
package dev.warren.relay;
