/**
 * The control channel's machinery, not an API: the record layer ({@link dev.warren.channel.internal.RecordWriter},
 * {@link dev.warren.channel.internal.RecordReader}), the connection that runs it
 * ({@link dev.warren.channel.internal.SecureConnection}) and the two WebSocket transports under it (Jetty on the
 * server, {@code java.net.http} on the client). Use {@code dev.warren.channel.ControlChannelServer} and
 * {@code ControlChannelClient} instead.
 */
package dev.warren.channel.internal;
