/**
 * Internal: the thin layer between Java and the Linux kernel — FFM downcalls into libc ({@link
 * dev.warren.net.linux.Libc}), errno naming ({@link dev.warren.net.linux.Errno}), UAPI constants and LP64
 * struct offsets ({@link dev.warren.net.linux.LinuxConstants}), and the two pieces every blocking device
 * here shares: a {@link dev.warren.net.linux.Poller} that waits on a descriptor plus a wake-up eventfd, and a
 * {@link dev.warren.net.linux.CloseGuard} that defers closing descriptors until no thread is inside a call
 * using them (so a recycled fd number can never be read by mistake). Nothing here allocates on the packet
 * path; errno is captured with {@code Linker.Option.captureCallState} into per-thread call-state segments,
 * never a {@code ThreadLocal}. Other modules should use {@code dev.warren.net.tun} and
 * {@code dev.warren.net.udp}, not this package.
 */
package dev.warren.net.linux;
