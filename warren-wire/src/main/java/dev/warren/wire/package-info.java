/**
 * Warren's shared vocabulary: typed keys ({@code key}), IP addresses and prefixes ({@code net}), the
 * datapath SPI that connects the WireGuard engine to TUN devices and UDP sockets ({@code datapath}), and
 * injected time ({@code time}). Everything here is small, dependency-free and used by more than one module.
 */
package dev.warren.wire;
