/**
 * Port mapping on the default gateway, so peers can reach magicsock's UDP port through a NAT that supports it:
 * NAT-PMP (RFC 6886), PCP (RFC 6887) and UPnP IGD (SSDP discovery, WANIPConnection over SOAP). {@link
 * dev.warren.magicsock.portmap.PortMapper} probes which exist, maps the port with the first that works, renews at
 * half the lifetime and deletes the mapping on close. Addresses and ports are injectable for tests.
 */
package dev.warren.magicsock.portmap;
