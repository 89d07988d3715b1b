/**
 * The control protocol's server side: {@link dev.warren.control.internal.protocol.ProtocolHandler} serves one
 * authenticated control connection (the remote static key is the node's machine key) — it decodes each message with
 * the one control JSON mapper, answers register requests (pre-auth key, interactive login with follow-up, key
 * rotation, logout), opens map streams through the map hub, and applies update requests. Bad bytes get a 400
 * ErrorMessage naming the problem and the connection is closed; the server itself never fails because of a peer's
 * bytes. {@link dev.warren.control.internal.protocol.InteractiveLogins} holds the logins waiting for a person.
 */
package dev.warren.control.internal.protocol;
