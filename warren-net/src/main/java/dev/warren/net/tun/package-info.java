/**
 * TUN devices: {@link dev.warren.net.tun.LinuxTun} implements the
 * {@link dev.warren.wire.datapath.TunDevice} SPI on Linux through FFM, with the kernel's TCP/UDP segmentation
 * offloads. With offloads the kernel hands over 64 KiB super-packets, which are split into MTU-sized packets
 * on read, and consecutive segments of a TCP flow are coalesced again on write, so the number of system calls
 * per byte falls by an order of magnitude (about 2 → 10 Gbit/s through a Java "wire" on the reference VM).
 * The WireGuard engine never sees the difference: it reads and writes plain IP packets in pooled buffers.
 * Configuration of the interface (addresses, routes, up/down) is not done here.
 */
package dev.warren.net.tun;
