/**
 * Injected time: a {@link dev.warren.wire.time.Clock} for monotonic and wall-clock readings and a
 * {@link dev.warren.wire.time.Scheduler} for delayed tasks. Production code takes both as constructor
 * arguments; tests substitute a fake clock and a manually advanced scheduler from {@code warren-testing}, so
 * a 180-second key expiry is a unit test that runs in microseconds.
 */
package dev.warren.wire.time;
