/**
 * The node commands of {@code warren}: {@code node} runs the daemon ({@link dev.warren.node.NodeDaemon}) in the
 * foreground; {@code up}, {@code down}, {@code logout}, {@code status}, {@code ip}, {@code ping} and {@code whois}
 * are thin clients of its local API ({@link dev.warren.node.LocalApiClient}) and only format what it answers, the way
 * {@code tailscale} talks to {@code tailscaled}. Every client command takes {@code --socket}.
 */
package dev.warren.cli.node;
