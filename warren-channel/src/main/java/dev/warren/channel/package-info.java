/**
 * The control channel between a node and the coordination server: an ordered, reliable, message-oriented,
 * mutually authenticated and encrypted connection.
 *
 * <p>The SPI is small and blocking, made for virtual threads: a {@link dev.warren.channel.ControlConnection} sends and
 * receives whole messages and knows the remote party's static public key; a server hands each accepted connection to
 * a {@link dev.warren.channel.ConnectionHandler} on its own virtual thread; a client obtains connections from a
 * {@link dev.warren.channel.ControlDialer}. {@link dev.warren.channel.InMemoryConnections} implements the SPI in
 * memory for in-process tests; the real transport is Noise IK over an HTTP upgrade.
 */
package dev.warren.channel;
