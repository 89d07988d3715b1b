/**
 * Pure functions for the userspace half of segmentation offloads, shared by the TUN device and its tests:
 * {@link dev.warren.net.offload.GsoSplitter} cuts a TCP or UDP super-packet described by a
 * {@link dev.warren.net.offload.VirtioNetHdr} into wire-sized packets with correct lengths, ids, sequence
 * numbers, flags and checksums; {@link dev.warren.net.offload.TcpCoalescer} does the reverse for a batch of
 * packets about to be written, producing super-packets the kernel will accept; {@link
 * dev.warren.net.offload.Checksum} is the RFC 1071 sum they both use. No I/O, no allocation per packet, and no
 * exception for any packet contents: malformed input yields a documented "malformed" result or is passed
 * through unchanged, because a daemon must never die of a peer's bytes.
 */
package dev.warren.net.offload;
