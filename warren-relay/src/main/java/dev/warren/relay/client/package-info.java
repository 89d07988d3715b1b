/**
 * The relay client nodes use (and relays use to mesh with each other): {@link dev.warren.relay.client.RelayClient}
 * keeps one connection to one relay up, reconnecting with back-off, and sends and receives packets by peer public
 * key. It never throws for network errors; it reports them through its listener.
 */
package dev.warren.relay.client;
