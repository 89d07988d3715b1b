/**
 * IP addresses and prefixes as values: strict literal parsing that never touches DNS, RFC 5952 formatting,
 * and {@link dev.warren.wire.net.IpPrefix} with host bits cleared the way WireGuard stores allowed IPs.
 */
package dev.warren.wire.net;
