/**
 * The relay protocol's vocabulary: the frames a Warren relay and its clients exchange over one TCP (or TLS)
 * stream after an HTTP upgrade ({@link dev.warren.wire.relay.RelayFrame}), and the two small JSON documents sealed
 * inside the handshake frames ({@link dev.warren.wire.relay.RelayInfo}). The protocol is modelled on Tailscale's
 * DERP (type ‖ length ‖ payload framing, the same set of frame kinds) but is not wire-compatible with it; every
 * byte is documented on {@link dev.warren.wire.relay.RelayFrame} and in {@code docs/relay.md}. Only layouts live
 * here: sealing and opening belong to warren-crypto, the server and client to warren-relay. Decoding fails only with
 * {@link dev.warren.wire.MalformedMessageException}.
 */
package dev.warren.wire.relay;
