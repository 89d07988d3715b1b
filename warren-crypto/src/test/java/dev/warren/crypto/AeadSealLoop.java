package dev.warren.crypto;

import dev.warren.crypto.NoiseHandshake.Pattern;
import dev.warren.crypto.NoiseHandshake.Role;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * A quick measuring loop, not a test (not run by surefire): per-packet seal and open CPU cost and allocation
 * of each provider on a 1420-byte packet in place in a direct buffer, and the CPU cost of a WireGuard
 * handshake. JMH belongs in {@code bench/}; this gives comparable numbers in one run on this machine.
 *
 * <pre>
 * mvn -q -pl warren-crypto dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java --enable-native-access=ALL-UNNAMED -cp warren-crypto/target/classes:warren-crypto/target/test-classes:$(cat /tmp/cp.txt) \
 *     dev.warren.crypto.AeadSealLoop
 * </pre>
 */
public final class AeadSealLoop {
    private static final int SIZE = 1420;
    private static final int ROUNDS = 7;
    private static final int PER_ROUND = 200_000;

    private AeadSealLoop() {
    }

    public static void main(String[] args) throws Exception {
        List<String> providers = Providers.available();
        System.out.println("java " + Runtime.version() + ", " + SIZE + "-byte packets in place in a direct buffer; thread CPU time,"
                + " providers interleaved, median of " + ROUNDS + " rounds x " + PER_ROUND + " packets");
        Aead[] aeads = new Aead[providers.size()];
        ByteBuffer region = ByteBuffer.allocateDirect(16 + SIZE + Aead.TAG_SIZE);
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) 7);
        AeadKey key = AeadKey.of(k);
        long[][] seal = new long[providers.size()][ROUNDS];
        long[][] both = new long[providers.size()][ROUNDS];
        long[] allocSeal = new long[providers.size()];
        long[] allocBoth = new long[providers.size()];
        long counter = 0;
        for (int p = 0; p < aeads.length; p++) {
            aeads[p] = Aead.create(providers.get(p));
            for (int warm = 0; warm < 3; warm++) {
                counter = run(aeads[p], key, region, counter, PER_ROUND, true);
                counter = run(aeads[p], key, region, counter, PER_ROUND, false);
            }
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (int p = 0; p < aeads.length; p++) {
                long a0 = allocated();
                long t0 = cpuNanos();
                counter = run(aeads[p], key, region, counter, PER_ROUND, true);
                long t1 = cpuNanos();
                long a1 = allocated();
                counter = run(aeads[p], key, region, counter, PER_ROUND, false);
                long t2 = cpuNanos();
                long a2 = allocated();
                seal[p][r] = (t1 - t0) / PER_ROUND;
                both[p][r] = (t2 - t1) / PER_ROUND;
                allocSeal[p] += a1 - a0;
                allocBoth[p] += a2 - a1;
            }
        }
        for (int p = 0; p < aeads.length; p++) {
            Arrays.sort(seal[p]);
            Arrays.sort(both[p]);
            long packets = (long) ROUNDS * PER_ROUND;
            System.out.printf("%-7s seal %5d ns/pkt (min %5d, max %5d; %4d B/pkt)   seal+open %5d ns/pkt (%4d B/pkt)%n",
                    providers.get(p), seal[p][ROUNDS / 2], seal[p][0], seal[p][ROUNDS - 1], allocSeal[p] / packets,
                    both[p][ROUNDS / 2], allocBoth[p] / packets);
        }
        handshake();
    }

    /** Seals (and, when {@code seal} is false, seals then opens) {@code n} packets; returns the next counter. */
    private static long run(Aead aead, AeadKey key, ByteBuffer region, long counter, int n, boolean sealOnly) {
        for (int i = 0; i < n; i++) {
            region.clear().position(16).limit(16 + SIZE);
            ByteBuffer out = region.duplicate().limit(region.capacity());
            aead.seal(key, counter, region, out, null);
            if (!sealOnly) {
                ByteBuffer in = region.duplicate().limit(region.capacity()).position(16);
                if (aead.open(key, counter, in, in.duplicate(), null) != SIZE) {
                    throw new AssertionError("open failed");
                }
            }
            counter++;
        }
        return counter;
    }

    private static void handshake() throws Exception {
        PrivateKey si = X25519.generatePrivateKey();
        PrivateKey sr = X25519.generatePrivateKey();
        byte[] prologue = NoiseHandshake.WIREGUARD_PROLOGUE.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Aead aead = Aead.create();
        int n = 2000;
        long[] t = new long[3];
        for (int pass = 0; pass < 2; pass++) {
            Arrays.fill(t, 0);
            for (int i = 0; i < n; i++) {
                long t0 = cpuNanos();
                NoiseHandshake ini = NoiseHandshake.builder(Pattern.IKPSK2, Role.INITIATOR).localStatic(si)
                        .remoteStatic(X25519.publicKey(sr)).prologue(prologue).presharedKey(PresharedKey.NONE).aead(aead).build();
                byte[] m1 = ini.writeMessage(new byte[12]);
                long t1 = cpuNanos();
                NoiseHandshake res = NoiseHandshake.builder(Pattern.IKPSK2, Role.RESPONDER).localStatic(sr).prologue(prologue)
                        .aead(aead).build();
                res.readMessage(m1);
                res.setPresharedKey(PresharedKey.NONE);
                byte[] m2 = res.writeMessage(new byte[0]);
                res.split();
                long t2 = cpuNanos();
                ini.readMessage(m2);
                ini.split();
                long t3 = cpuNanos();
                t[0] += t1 - t0;
                t[1] += t2 - t1;
                t[2] += t3 - t2;
            }
        }
        System.out.printf("handshake CPU (IKpsk2, jca; includes computing both static public keys): initiator create %d us,"
                + " responder consume+reply %d us, initiator consume %d us%n", t[0] / n / 1000, t[1] / n / 1000, t[2] / n / 1000);
    }

    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
