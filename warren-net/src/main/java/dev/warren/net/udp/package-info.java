/**
 * UDP {@link dev.warren.wire.datapath.Bind} implementations. {@link dev.warren.net.udp.LinuxUdpBind} is the fast
 * path: an IPv4 and an IPv6 socket on one port, batched with {@code recvmmsg}/{@code sendmmsg} through FFM and
 * using the kernel's UDP offloads — GSO ({@code UDP_SEGMENT}) turns a run of equal-sized datagrams to one peer
 * into a single trip through the stack, GRO ({@code UDP_GRO}) hands up to 64 KiB of datagrams in one message,
 * which the receiver splits into the caller's buffers. {@link dev.warren.net.udp.DatagramChannelBind} is the
 * portable fallback on {@link java.nio.channels.DatagramChannel}. {@link dev.warren.net.udp.Binds#create()}
 * picks one. All of them record each datagram's source in its buffer without allocating, unblock receivers
 * on close, and can be reopened on another port.
 */
package dev.warren.net.udp;
