/**
 * Fakes shipped as a module, so every other module's tests use the same ones: a {@link
 * dev.warren.testing.FakeClock} with a {@link dev.warren.testing.ManualScheduler} for timers on fake time, and an
 * in-memory network ({@link dev.warren.testing.ChannelNetwork}, {@link dev.warren.testing.ChannelBind},
 * {@link dev.warren.testing.ChannelTun}) on which whole WireGuard devices talk in one JVM, with injectable loss,
 * duplication and reordering.
 */
package dev.warren.testing;
