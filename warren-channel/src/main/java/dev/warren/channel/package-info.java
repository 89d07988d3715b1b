/**
 * The control channel between a node and the coordination server: an ordered, reliable, message-oriented,
 * mutually authenticated and encrypted connection.
 *
 * <p>The SPI is small and blocking, made for virtual threads: a {@link dev.warren.channel.ControlConnection} sends and
 * receives whole messages and knows the remote party's static public key; a server hands each accepted connection to
 * a {@link dev.warren.channel.ConnectionHandler} on its own virtual thread; a client obtains connections from a
 * {@link dev.warren.channel.ControlDialer}. {@link dev.warren.channel.InMemoryConnections} implements the SPI in
 * memory for in-process tests.
 *
 * <p>The real transport is {@code Noise_IK_25519_ChaChaPoly_BLAKE2s} over a WebSocket:
 * {@link dev.warren.channel.ControlChannelServer} installs it into a Javalin configuration,
 * {@link dev.warren.channel.ControlChannelClient} dials it, and {@link dev.warren.channel.ServerKey} fetches the
 * server's public key. Wire layout and rationale: this module's README and docs/adr/0007.
 */
package dev.warren.channel;
