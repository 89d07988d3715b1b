package dev.warren.cli;

import dev.warren.net.tun.LinuxTun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code warren selftest}: two WireGuard engines in this process, connected in memory (or over real UDP on
 * loopback), complete a handshake and exchange packets both ways. Needs no privileges; checks the JDK's
 * crypto and the engine on this machine, and is the training run for the launcher's start-up cache.
 */
@Command(name = "selftest", description = "Run two WireGuard engines in memory and check they talk (no root needed).")
final class SelfTestCommand implements Callable<Integer> {
    @Option(names = "--packets", defaultValue = "2000", description = "Packets to send each way (default ${DEFAULT-VALUE}).")
    int packets;

    @Option(names = "--udp", description = "Carry the engines' traffic over real UDP sockets on the loopback interface "
            + "(Linux batched sockets) instead of in memory.")
    boolean udp;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (udp) {
            // also initialise the TUN layer's classes (no device is created), so a start-up cache trained on this
            // run covers them
            Class.forName(LinuxTun.class.getName(), true, SelfTestCommand.class.getClassLoader());
        }
        try (InMemoryPair pair = new InMemoryPair("selftest", udp)) {
            if (!pair.handshake(Duration.ofSeconds(20))) {
                System.err.println("selftest FAILED: no handshake within 20 s; drops " + pair.a.drops().snapshot()
                        + " / " + pair.b.drops().snapshot());
                return 1;
            }
            long handshake = System.nanoTime() - t0;
            int lost = pair.exchange(packets, 1000, Duration.ofSeconds(20));
            if (lost >= 0) {
                System.err.println("selftest FAILED: packet " + lost + " lost; drops " + pair.a.drops().snapshot()
                        + " / " + pair.b.drops().snapshot());
                return 1;
            }
            System.out.printf("selftest ok: handshake and first packet in %d ms, %d packets each way in %d ms%n",
                    handshake / 1_000_000, packets, (System.nanoTime() - t0 - handshake) / 1_000_000);
            return 0;
        }
    }
}
