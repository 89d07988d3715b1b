/**
 * Warren's host networking: how the WireGuard engine's two SPIs meet the operating system. Sub-packages hold
 * the TUN device ({@code tun}), the UDP binds ({@code udp}), the pure segmentation/coalescing logic behind the
 * kernel offloads ({@code offload}) and the internal libc layer over the Foreign Function and Memory API
 * ({@code linux}). Everything on the packet path works on batches of pooled native buffers and allocates
 * nothing in steady state; blocking calls are meant for platform threads (an FFM downcall pins a virtual
 * thread's carrier in JDK 25).
 */
package dev.warren.net;
