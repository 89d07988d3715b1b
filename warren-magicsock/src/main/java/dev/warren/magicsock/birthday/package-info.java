/**
 * Birthday-paradox port probing (ADR 0015): a direct path between a node behind an easy NAT (endpoint-independent
 * mapping) and one behind a hard NAT (endpoint-dependent mapping with random ports). {@link
 * dev.warren.magicsock.birthday.Birthday} runs the rounds (the hard side opens {@link
 * dev.warren.magicsock.birthday.Birthday#SOCKETS} extra sockets and pings the easy side from each; the easy side
 * sprays pings at random ports of the hard side's public IPv4 address) and keeps the socket that won;
 * {@link dev.warren.magicsock.birthday.SideSockets} opens those extra sockets ({@link
 * dev.warren.magicsock.birthday.UdpSideSockets}: real UDP, one selector thread for all of them).
 */
package dev.warren.magicsock.birthday;
