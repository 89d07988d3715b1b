/**
 * The node's stateful inbound packet filter. Control compiles the domain's access policy into
 * {@link dev.warren.wire.filter.FilterRule}s; {@link dev.warren.filter.RuleMatcher} compiles those again into
 * per-family, per-protocol tables searched in logarithmic time; {@link dev.warren.filter.PacketFilter} adds
 * connection tracking (replies of the node's own flows pass, TCP is admitted on SYN) and counters; and
 * {@link dev.warren.filter.FilterTun} enforces it as a {@link dev.warren.wire.datapath.TunDevice} decorator between
 * the TUN device and the WireGuard engine — inbound packets after decryption, before the host sees them. Default
 * deny; IPv4 and IPv6; allocation-free per packet; no I/O (time comes from an injected clock).
 */
package dev.warren.filter;
