/**
 * The {@code warren} command line. This is the only package that wires subsystems together: it builds the
 * WireGuard engine over a Linux TUN device and UDP bind, serves the UAPI, and runs the demo. Each subcommand is
 * a picocli class; {@code bin/warren} is the launcher that finds a JDK, builds on first use and detaches
 * daemons.
 */
package dev.warren.cli;
