/**
 * {@code warren relay}: runs a relay server ({@code serve}) — the TCP/TLS relay that forwards encrypted packets by
 * node key, the STUN server beside it, its mesh with the other relays of its region and its admission check
 * against the control server. Every bad flag or file prints one line naming it and exits non-zero.
 */
package dev.warren.cli.relay;
