/**
 * How magicsock reaches relays: the small {@link dev.warren.magicsock.relay.RelayLinks} interface (send a packet to
 * a node key through a region, measure a region, receive packets), an in-memory implementation for tests ({@link
 * dev.warren.magicsock.relay.InMemoryRelay}) and the adapter over warren-relay's client ({@link
 * dev.warren.magicsock.relay.RelayClientLinks}: one client per region on demand, the home kept, others closed after
 * a minute idle).
 */
package dev.warren.magicsock.relay;
