/**
 * Warren's discovery ("disco") messages, which peers exchange directly over UDP or through a relay to find and
 * keep a working path: Ping, Pong (which also tells the pinger the address it was seen from) and CallMeMaybe (the
 * sender's candidate endpoints). {@link dev.warren.wire.disco.DiscoFrame} is the outer, plaintext envelope —
 * magic, sender disco key, nonce, sealed box — and {@link dev.warren.wire.disco.DiscoMessage} is the plaintext
 * inside the box. Only layouts live here; sealing and opening belong to warren-crypto. {@link
 * dev.warren.wire.disco.DiscoFrame#looksLikeDisco} demultiplexes the shared UDP socket. Decoding fails only with
 * {@link dev.warren.wire.MalformedMessageException}.
 */
package dev.warren.wire.disco;
