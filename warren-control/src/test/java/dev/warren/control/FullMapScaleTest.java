package dev.warren.control;

import dev.warren.control.internal.map.MapHub;
import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.store.Databases;
import dev.warren.control.internal.store.JdbcStore;
import dev.warren.testing.FakeClock;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A benchmark-friendly hook: builds a full map for one node of a 10,000-node domain and reports the time; the test
 * asserts only that the map is complete (timing assertions do not belong on shared machines).
 */
class FullMapScaleTest {
    @TempDir
    Path dir;

    static final int NODES = 10_000;

    @Test
    void fullMapOf10kPeers() throws Exception {
        FakeClock clock = new FakeClock();
        try (JdbcStore store = Databases.open(Databases.resolve(null, dir))) {
            ControlState state = new ControlState(store, clock, ControlOptions.defaults());
            MapHub hub = new MapHub(state, new ControlMetrics(() -> 0));
            state.createDomain("big", false);
            String key = state.createAuthKey(new AuthKeySpec("big", true, false, true, null, null, null));
            Random r = new Random(1);
            // wall time is noisy on a shared machine: also report this thread's CPU time and the process's (which
            // includes GC and JIT threads)
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            var os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long proc0 = os.getProcessCpuTime();
            long reg0 = System.nanoTime();
            for (int i = 0; i < NODES; i++) {
                state.registerWithKey(MachineKey.of(SimNode.randomKey(r)), new RegisterRequest(
                        CapabilityVersion.CURRENT, NodeKey.of(SimNode.randomKey(r)), null, key,
                        new Hostinfo("n" + i, null, null), false, null, null));
            }
            System.out.println(NODES + " nodes registered in " + (System.nanoTime() - reg0) / 1_000_000
                    + " ms (each one updates the domain's compiled allow-all policy); CPU: this thread "
                    + (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000 + " ms, process "
                    + (os.getProcessCpuTime() - proc0) / 1_000_000 + " ms");
            long self = state.snapshot().nodes().keySet().iterator().next();
            MapResponse warm = null;
            for (int i = 0; i < 5; i++) {
                warm = hub.fullMap(state.snapshot(), self);
            }
            long t0 = System.nanoTime();
            MapResponse m = hub.fullMap(state.snapshot(), self);
            long micros = (System.nanoTime() - t0) / 1000;
            System.out.println("full map of " + (NODES - 1) + " peers built in " + micros + " µs");
            assertEquals(NODES - 1, m.peers().size());
            assertEquals(warm.peers().size(), m.peers().size());
            byte[] bytes = null;
            for (int i = 0; i < 5; i++) {
                bytes = hub.fullMapBytes(state.snapshot(), self, "h");
            }
            micros = Long.MAX_VALUE;
            for (int i = 0; i < 20; i++) {
                t0 = System.nanoTime();
                bytes = hub.fullMapBytes(state.snapshot(), self, "h");
                micros = Math.min(micros, (System.nanoTime() - t0) / 1000);
            }
            System.out.println("full map of " + (NODES - 1) + " peers built and encoded (" + bytes.length + " bytes), best of 20: "
                    + micros + " µs");
            MapResponse spliced = (MapResponse) ControlJson.decode(bytes);
            MapResponse jackson = new MapResponse("h", 1, false, m.node(), m.peers(), null, null, null, m.settings(),
                    m.controlTime(), m.relayMap(), m.packetFilter());
            assertEquals(jackson, spliced);
            byte[] viaJackson = null;
            micros = Long.MAX_VALUE;
            for (int i = 0; i < 20; i++) {
                t0 = System.nanoTime();
                viaJackson = ControlJson.encode(jackson);
                micros = Math.min(micros, (System.nanoTime() - t0) / 1000);
            }
            System.out.println("the same map encoded by Jackson, best of 20: " + micros + " µs");
            assertArrayEquals(viaJackson, bytes);
            // Compressed (a stream that asked for DEFLATE): the first map compresses every group, later ones
            // only the recipient's own group.
            byte[] z = hub.fullMapDeflated(state.snapshot(), self, "h");
            micros = Long.MAX_VALUE;
            for (int i = 0; i < 20; i++) {
                long other = state.snapshot().nodes().keySet().stream().skip(i * 97L).findFirst().orElseThrow();
                t0 = System.nanoTime();
                z = hub.fullMapDeflated(state.snapshot(), other, "h");
                micros = Math.min(micros, (System.nanoTime() - t0) / 1000);
            }
            System.out.println("full map of " + (NODES - 1) + " peers built and compressed from cached groups ("
                    + z.length + " bytes), best of 20: " + micros + " µs");
            assertEquals(NODES - 1, ((MapResponse) ControlJson.decode(z)).peers().size());
        }
    }
}
