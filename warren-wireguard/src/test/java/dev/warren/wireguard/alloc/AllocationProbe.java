package dev.warren.wireguard.alloc;

import dev.warren.crypto.Aead;
import dev.warren.crypto.X25519;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures, in its own JVM, the bytes allocated per packet on the engine's packet threads while two devices
 * exchange packets over allocation-free fakes; run by {@link SteadyStateAllocationTest}. A separate JVM because
 * anything an earlier test left in the test JVM distorts the figure: once a Jazzer {@code @FuzzTest} has run,
 * its agent hooks call sites in {@code dev.warren.**} and the same run measures hundreds of bytes per packet.
 *
 * <p>After a warm-up it measures rounds of {@value #MEASURED} packets each way and reports the best: on a busy
 * machine the JIT may still be compiling (and escape analysis not yet removing temporaries) in the first round,
 * while an allocation the engine really makes per packet or per batch shows in every round.
 */
final class AllocationProbe {
    private static final int PACKET = 512;
    private static final int SEQUENCE_OFFSET = 28;
    private static final int WARM_UP = 100_000;
    /** Packets each way per measured round, and rounds at most: the best round counts. */
    private static final int MEASURED = 50_000;
    private static final int ROUNDS = 6;
    /** A round this good ends the measurement early. */
    private static final double GOOD_ENOUGH = 0.1;
    private static final int WINDOW = 512;
    private static final byte[] A_IP = IpAddresses.parse("10.0.0.1");
    private static final byte[] B_IP = IpAddresses.parse("10.0.0.2");

    /** The best round's figures, and every round's bytes per packet. */
    record Result(double bytesPerPacket, Map<String, Long> perThread, long outOfOrder, long overflows,
                  List<String> rounds) {
    }

    private AllocationProbe() {
    }

    /** Prints one line: {@code RESULT <bytes per packet> <out of order> <overflows> <per-thread map>}. */
    public static void main(String[] args) throws Exception {
        Result r = measure(args[0], args.length > 1 && args[1].equals("allocate"));
        System.out.printf(java.util.Locale.ROOT, "RESULT %.6f %d %d rounds %s, best %s%n", r.bytesPerPacket(),
                r.outOfOrder(), r.overflows(), r.rounds(), r.perThread());
        System.exit(0);
    }

    static Result measure(String name, boolean allocatePerPacket) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("no per-thread allocation counters");
        }
        mx.setThreadAllocatedMemoryEnabled(true);

        FakeClock clock = new FakeClock();
        ManagementFactory.getRuntimeMXBean(); // load management classes before measuring
        RingNetwork net = new RingNetwork(8192, 2048);
        RingTun tunA = new RingTun(name + "a", SEQUENCE_OFFSET);
        RingTun tunB = new RingTun(name + "b", SEQUENCE_OFFSET);
        Bind bindA = net.bind(IpAddresses.parse("192.0.2.1"));
        Bind bindB = net.bind(IpAddresses.parse("192.0.2.2"));
        PrivateKey keyA = X25519.generatePrivateKey();
        PrivateKey keyB = X25519.generatePrivateKey();
        if (!Aead.SODIUM.equals(System.getProperty(Aead.PROVIDER_PROPERTY))) {
            // set for the JVM's whole life: a device creates AEADs again whenever it rebinds (listen_port)
            throw new IllegalStateException("run with -D" + Aead.PROVIDER_PROPERTY + "=" + Aead.SODIUM);
        }
        ManualScheduler scheduler = new ManualScheduler(clock);
        Device a = Device.start(tunA, bindA, new Device.Options(clock, scheduler, new SecureRandom(), 1, 2048, name + "-a"));
        Device b = Device.start(tunB, bindB, new Device.Options(clock, scheduler, new SecureRandom(), 1, 2048, name + "-b"));
        try (a; b) {
            a.apply(config(keyA, 51820, X25519.publicKey(keyB), Endpoint.of(IpAddresses.parse("192.0.2.2"), 51821),
                    "10.0.0.2/32"));
            b.apply(config(keyB, 51821, X25519.publicKey(keyA), Endpoint.of(IpAddresses.parse("192.0.2.1"), 51820),
                    "10.0.0.1/32"));
            try (Arena arena = Arena.ofShared()) {
                Feeder ab = new Feeder(arena, tunA, tunB, Packets.udp4(A_IP, B_IP, 1000, 2000, new byte[PACKET - 28]));
                Feeder ba = new Feeder(arena, tunB, tunA, Packets.udp4(B_IP, A_IP, 2000, 1000, new byte[PACKET - 28]));
                // one handshake, A first: had both sides initiate at once, each would consume the other's
                // initiation and wait for a retry after REKEY_TIMEOUT, and fake time stands still here
                AtomicReference<Throwable> failure = new AtomicReference<>();
                ab.send(1, failure);
                ba.send(1, failure);
                if (failure.get() != null) {
                    throw new AssertionError(failure.get());
                }
                run(ab, ba, WARM_UP);
                long[] ids = packetThreads(name);
                if (allocatePerPacket) {
                    tunA.allocatePerWrite(true);
                    tunB.allocatePerWrite(true);
                }
                long outOfOrderBefore = tunA.outOfOrder() + tunB.outOfOrder();
                Result best = null;
                List<String> rounds = new java.util.ArrayList<>();
                for (int round = 0; round < ROUNDS && (best == null || best.bytesPerPacket() > GOOD_ENOUGH); round++) {
                    long[] beforeEach = mx.getThreadAllocatedBytes(ids);
                    run(ab, ba, MEASURED);
                    long[] afterEach = mx.getThreadAllocatedBytes(ids);
                    Map<String, Long> perThread = new TreeMap<>();
                    for (int i = 0; i < ids.length; i++) {
                        perThread.put(nameOf(ids[i]), afterEach[i] - beforeEach[i]);
                    }
                    double perPacket = (double) (total(afterEach) - total(beforeEach)) / (2.0 * MEASURED);
                    rounds.add(String.format(java.util.Locale.ROOT, "%.3f", perPacket));
                    if (best == null || perPacket < best.bytesPerPacket()) {
                        best = new Result(perPacket, perThread, 0, 0, List.of());
                    }
                }
                return new Result(best.bytesPerPacket(), best.perThread(),
                        tunA.outOfOrder() + tunB.outOfOrder() - outOfOrderBefore, net.overflows(), rounds);
            }
        }
    }

    private static SetRequest config(PrivateKey key, int port, PublicKey peer, Endpoint ep, String allowed) {
        return new SetRequest(key, port, null, false, List.of(new PeerChange(peer, false, false, PresharedKey.NONE, ep,
                null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }

    /** Sends {@code n} more packets each way from two host threads and waits until all have arrived. */
    private static void run(Feeder ab, Feeder ba, int n) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t1 = Thread.ofPlatform().name("host-ab").start(() -> ab.send(n, failure));
        Thread t2 = Thread.ofPlatform().name("host-ba").start(() -> ba.send(n, failure));
        t1.join();
        t2.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    /** One direction's host: numbers packets, keeps at most {@link #WINDOW} in flight, waits for delivery. */
    private static final class Feeder {
        private final RingTun from;
        private final RingTun to;
        private final MemorySegment packet;
        private final int length;
        private long sent;

        Feeder(Arena arena, RingTun from, RingTun to, byte[] template) {
            this.from = from;
            this.to = to;
            this.length = template.length;
            this.packet = arena.allocate(template.length);
            MemorySegment.copy(template, 0, packet, ValueLayout.JAVA_BYTE, 0, template.length);
        }

        void send(int n, AtomicReference<Throwable> failure) {
            long target = sent + n;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (to.delivered() < target) {
                if (System.nanoTime() > deadline) {
                    failure.set(new AssertionError("only " + to.delivered() + " of " + target + " delivered"));
                    return;
                }
                if (sent < target && sent - to.delivered() < WINDOW) {
                    packet.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), SEQUENCE_OFFSET, (int) sent);
                    if (from.inject(packet, 0, length)) {
                        sent++;
                        continue;
                    }
                }
                LockSupport.parkNanos(20_000);
            }
        }
    }

    private static long[] packetThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(name + "-a-") || t.getName().startsWith(name + "-b-"))
                .filter(t -> t.getName().endsWith("-tun") || t.getName().contains("-udp-") || t.getName().contains("-crypto-"))
                .mapToLong(Thread::threadId).toArray();
    }

    private static long total(long[] perThread) {
        long sum = 0;
        for (long v : perThread) {
            sum += Math.max(0, v);
        }
        return sum;
    }

    private static String nameOf(long id) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.threadId() == id).map(Thread::getName)
                .findFirst().orElse("#" + id);
    }
}
