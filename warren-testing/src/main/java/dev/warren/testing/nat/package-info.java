/**
 * The NAT lab: a small "internet" of network namespaces with routers that NAT the way real ones do (nftables
 * masquerade, endpoint-independent or endpoint-dependent mapping, a UDP-blocking firewall, a UPnP/NAT-PMP router
 * running Debian's miniupnpd), servers on the internet and hosts behind the routers. {@link
 * dev.warren.testing.nat.NatLab} builds it in Java for the lab tests; {@link dev.warren.testing.nat.NatLabMain}
 * builds the same topology for shell scripts (the NAT benchmark). Facts measured on it: {@code docs/natlab.md}.
 */
package dev.warren.testing.nat;
