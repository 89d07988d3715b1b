package dev.warren.net.tun;

import dev.warren.net.linux.Errno;
import dev.warren.net.linux.Libc;
import dev.warren.net.linux.LinuxConstants;
import dev.warren.net.offload.TcpCoalescer;
import dev.warren.net.testing.Allocations;
import dev.warren.net.testing.Netns;
import dev.warren.net.testing.Packets;
import dev.warren.net.udp.LinuxUdpBind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.PacketPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the kernel does to a TUN fd, observed directly, and the allocation check of the TUN data path. */
@Tag("lab")
@Timeout(180)
class TunKernelLabTest {

    @BeforeAll
    static void needsRoot() {
        assumeTrue(Netns.available(), "needs root, /dev/net/tun and ip");
    }

    /**
     * After {@code ip link del}, poll on the still-open fd reports POLLERR (with POLLIN|POLLOUT... as the kernel
     * sees fit), and read and write fail with EBADFD (77, "File descriptor in bad state").
     */
    @Test
    void linkDeletionLeavesTheFdInABadState() throws Exception {
        try (Netns ns = Netns.create("probe"); Arena arena = Arena.ofShared()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = ns.inside(() -> {
                int f = Libc.open(st, arena.allocateFrom("/dev/net/tun"),
                        LinuxConstants.O_RDWR | LinuxConstants.O_NONBLOCK, 0);
                MemorySegment req = arena.allocate(LinuxConstants.IFREQ_SIZE);
                MemorySegment.copy(arena.allocateFrom("wprobe0"), 0, req, 0, 8);
                req.set(Libc.SHORT, LinuxConstants.IFREQ_FLAGS,
                        (short) (LinuxConstants.IFF_TUN | LinuxConstants.IFF_NO_PI | LinuxConstants.IFF_VNET_HDR));
                assertEquals(0, Libc.ioctl(st, f, LinuxConstants.TUNSETIFF, req));
                return f;
            });
            try {
                ns.ip("link", "del", "wprobe0");
                MemorySegment pfd = arena.allocate(8);
                pfd.set(Libc.INT, 0, fd);
                pfd.set(Libc.SHORT, 4, LinuxConstants.POLLIN);
                int r = Libc.poll(st, pfd.address(), 1, 1000);
                int revents = pfd.get(Libc.SHORT, 6) & 0xffff;
                MemorySegment buf = arena.allocate(70_000);
                long rr = Libc.read(st, fd, buf.address(), 70_000);
                int readErrno = Libc.errno(st);
                long wr = Libc.write(st, fd, buf.address(), 50);
                int writeErrno = Libc.errno(st);
                System.out.printf("after link deletion: poll=%d revents=0x%x, read=%d %s, write=%d %s%n", r, revents,
                        rr, Errno.describe("read", readErrno), wr, Errno.describe("write", writeErrno));
                assertEquals(1, r);
                assertTrue((revents & LinuxConstants.POLLERR) != 0, "POLLERR");
                assertEquals(-1, rr);
                assertEquals(Errno.EBADFD, readErrno);
                assertEquals(Errno.EBADFD, writeErrno);
            } finally {
                Libc.close(st, fd);
            }
        }
    }

    /** Reads (USO super-packets and plain UDP) and writes (coalesced TCP, single UDP) allocate nothing per packet. */
    @Test
    void readAndWriteDoNotAllocate() throws Exception {
        try (Netns ns = Netns.create("alloc")) {
            LinuxTun tun = LinuxTunLabTest.tunIn(ns, "walloc0", true, "10.205.0.1/24", null);
            LinuxUdpBind sender = new LinuxUdpBind();
            AtomicBoolean stop = new AtomicBoolean();
            try {
                ns.inside(() -> sender.open(0));
                // Traffic into the TUN: GSO batches (USO super-packets) and singles to a peer behind it.
                Thread traffic = Thread.ofPlatform().daemon().start(() -> {
                    PacketBuffer[] out = new PacketBuffer[32];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = PacketBuffer.allocate(2048);
                        out[i].set(16, i == 31 ? 100 : 1200);
                    }
                    Endpoint to = Endpoint.of(new byte[] {10, (byte) 205, 0, 2}, 9999);
                    try {
                        while (!stop.get()) {
                            sender.send(out, 0, 32, to);
                            sender.send(out, 31, 1, to);
                            Thread.sleep(0, 200_000);
                        }
                    } catch (Exception e) {
                        // closed
                    }
                });
                CompletableFuture<Double> readBytes = new CompletableFuture<>();
                Thread reader = Thread.ofPlatform().start(() -> {
                    PacketPool pool = new PacketPool(128, 2048);
                    PacketBuffer[] bufs = new PacketBuffer[128];
                    for (int i = 0; i < bufs.length; i++) {
                        bufs[i] = pool.acquire();
                    }
                    try {
                        long n = 0;
                        while (n < 300_000) {
                            n += tun.read(bufs, 128);
                        }
                        long a = Allocations.currentThread();
                        long m = 0;
                        while (m < 200_000) {
                            m += tun.read(bufs, 7 + (int) (m % 100)); // odd batch sizes: remainders too
                        }
                        readBytes.complete((Allocations.currentThread() - a) / (double) m);
                    } catch (Throwable e) {
                        readBytes.completeExceptionally(e);
                    }
                });
                // Writes: a coalescable TCP flow (to a closed port: the kernel answers with RSTs) plus UDP singles.
                PacketBuffer[] batch = new PacketBuffer[64];
                for (int i = 0; i < 63; i++) {
                    Packets.Tcp t = new Packets.Tcp(false);
                    t.src = new byte[] {10, (byte) 205, 0, 2};
                    t.dst = new byte[] {10, (byte) 205, 0, 1};
                    t.payload = Packets.pattern(1360, i);
                    t.seq = 5000 + 1360L * i;
                    t.ipId = 300 + i;
                    batch[i] = Packets.buffer(t.build());
                }
                batch[63] = Packets.buffer(Packets.udp(false, 1, 9, Packets.pattern(200, 1), 5));
                for (int i = 0; i < 20_000; i++) {
                    tun.write(batch, 0, 64);
                }
                long before = Allocations.currentThread();
                long coalescedBefore = tun.packetsCoalesced();
                int rounds = 10_000;
                for (int i = 0; i < rounds; i++) {
                    tun.write(batch, 0, 64);
                }
                double writeBytes = (Allocations.currentThread() - before) / (64.0 * rounds);
                double read = readBytes.get(120, java.util.concurrent.TimeUnit.SECONDS);
                System.out.printf("TUN read %.4f B/packet (%d super-packets), write %.4f B/packet (%d coalesced)%n", read,
                        tun.superPacketsRead(), writeBytes, tun.packetsCoalesced() - coalescedBefore);
                assertTrue(tun.packetsCoalesced() - coalescedBefore >= 63L * rounds, "the TCP flow was coalesced");
                assertTrue(read < 0.5, "read allocates " + read + " B per packet");
                assertTrue(writeBytes < 0.5, "write allocates " + writeBytes + " B per packet");
                reader.join();
                assertTrue(TcpCoalescer.MAX_PACKETS >= 64);
            } finally {
                stop.set(true);
                sender.close();
                tun.close();
            }
        }
    }
}
