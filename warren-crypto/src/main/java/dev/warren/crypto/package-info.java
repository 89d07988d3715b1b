/**
 * Warren's cryptography: the primitives WireGuard needs and the Noise handshake built from them.
 * BLAKE2s, HMAC-BLAKE2s and Curve25519 come from BouncyCastle's lightweight API (the JDK has no BLAKE2, and
 * its XDH is slower); ChaCha20-Poly1305 sits behind the {@link dev.warren.crypto.Aead} interface with three
 * interchangeable providers — the JDK's intrinsified cipher (default), libsodium through
 * {@code java.lang.foreign}, and BouncyCastle — which produce identical bytes. On top of them,
 * {@link dev.warren.crypto.SymmetricState} and {@link dev.warren.crypto.NoiseHandshake} implement Noise
 * {@code IK} and {@code IKpsk2} generically (WireGuard is IKpsk2 with a fixed prologue; the control channel
 * can reuse IK), and {@link dev.warren.crypto.XAead} adds the XChaCha20-Poly1305 that cookie replies use.
 * Nothing here hand-rolls a curve or a MAC; the only cipher code written here is HChaCha20, twenty ChaCha
 * rounds. Packet-rate callers hold one {@code Aead} per thread and one {@link dev.warren.crypto.AeadKey}
 * per session key, and seal and open in place in their own buffers; everything that runs per handshake
 * allocates freely, since a handshake costs hundreds of microseconds of scalar multiplication anyway.
 */
package dev.warren.crypto;
