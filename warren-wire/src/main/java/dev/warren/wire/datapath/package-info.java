/**
 * The datapath SPI: the two narrow interfaces through which the WireGuard engine touches the world —
 * {@link dev.warren.wire.datapath.Bind} (UDP datagrams) and {@link dev.warren.wire.datapath.TunDevice}
 * (IP packets) — and the pooled native {@link dev.warren.wire.datapath.PacketBuffer}s that flow through
 * them. Packets are never objects: a buffer is owned by one stage at a time, holds its packet between
 * head- and tailroom so it is encrypted in place, and goes back to its {@link dev.warren.wire.datapath.PacketPool}
 * when done. I/O always works on batches.
 */
package dev.warren.wire.datapath;
