/**
 * WireGuard's wire format: the three handshake messages as records with byte-layout tables and named offsets,
 * and the transport-data header as constants the engine applies in place. Decoding checks lengths first and
 * fails only with {@link dev.warren.wire.MalformedMessageException}.
 */
package dev.warren.wire.wireguard;
