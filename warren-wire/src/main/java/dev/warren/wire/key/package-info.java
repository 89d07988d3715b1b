/**
 * Typed 32-byte keys of the WireGuard protocol: public, private (redacted when printed) and preshared.
 * Equality is constant-time so a key comparison never leaks how many leading bytes matched. Text forms are
 * base64 (the {@code wg} tool's configuration files) and hex (the cross-platform UAPI). Later modules add
 * node, machine and disco keys here, each its own type so they cannot be confused.
 */
package dev.warren.wire.key;
