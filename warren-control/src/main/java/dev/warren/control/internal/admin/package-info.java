/**
 * The implementation of {@link dev.warren.control.ControlAdmin}: it validates requests, delegates writes to the
 * state (store first, then snapshot and change fan-out) and turns snapshot entries into
 * {@link dev.warren.control.NodeView}s. The REST routes and the CLI both go through it.
 */
package dev.warren.control.internal.admin;
