/**
 * The cross-platform userspace API of WireGuard: the line-based {@code key=value} protocol that the
 * {@code wg} tool speaks over {@code /var/run/wireguard/IFACE.sock} to userspace implementations, so that
 * {@code wg}, {@code wg-quick} and other wireguard-go clients drive Warren's engine unchanged. The package
 * splits the job the way the data flows: {@link dev.warren.wireguard.uapi.UapiParser} reads a request and
 * validates a whole {@code set=1} transaction into a {@link dev.warren.wireguard.uapi.SetRequest} before
 * anything happens (wireguard-go applies line by line and can leave a half-applied configuration behind;
 * this never does); the engine applies it atomically behind {@link dev.warren.wireguard.uapi.UapiDevice};
 * {@link dev.warren.wireguard.uapi.UapiWriter} prints the {@code get=1} answer byte for byte as
 * wireguard-go does, including its quirks (negative errno on the wire, which keys are left out when zero,
 * Go's address formatting); {@link dev.warren.wireguard.uapi.UapiServer} owns the socket file and the
 * per-connection virtual threads. {@link dev.warren.wireguard.uapi.UapiResponseParser} is the client side,
 * used to talk to wireguard-go in the lab. Nothing here touches the data plane: the engine supplies state
 * snapshots and decides what a change means for its peers and sockets.
 */
package dev.warren.wireguard.uapi;
