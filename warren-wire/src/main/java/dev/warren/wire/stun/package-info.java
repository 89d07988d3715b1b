/**
 * STUN (RFC 8489, formerly RFC 5389) for the Binding method only, which is all NAT traversal needs: a node asks
 * a STUN server "what address do you see me from?" and reads the answer from XOR-MAPPED-ADDRESS. Messages are
 * records of the sealed {@link dev.warren.wire.stun.StunMessage}; attributes Warren does not understand are skipped
 * and reported by type so a server can answer 420 for unknown comprehension-required ones. FINGERPRINT is written
 * on every encoded message and verified whenever present; MESSAGE-INTEGRITY is not used (Binding to a public STUN
 * server is unauthenticated) and is reported like any other unknown attribute. {@link
 * dev.warren.wire.stun.StunMessage#looksLikeStun} is the cheap test that lets one UDP socket carry STUN, disco
 * and WireGuard. Pure codecs: no I/O, decoding fails only with {@link dev.warren.wire.MalformedMessageException}.
 */
package dev.warren.wire.stun;
