package dev.warren.cli.node;

import dev.warren.node.DataPlane;
import dev.warren.node.NodeConfig;
import dev.warren.node.dataplane.MagicDataPlane;
import dev.warren.node.NodeDaemon;
import dev.warren.wire.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code warren node}: the node daemon, in the foreground until SIGINT or SIGTERM. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = {"Run the Warren node daemon in the foreground (like tailscaled).",
                "It creates the TUN interface, resumes the previous login and serves the local API that "
                        + "`warren up`, `status`, `ping` … talk to. Stops on SIGINT/SIGTERM, removing socket and interface."})
public final class NodeCommand implements Callable<Integer> {
    @Option(names = "--state", required = true, paramLabel = "DIR",
            description = "State directory: machine key, node key, login (e.g. /var/lib/warren).")
    Path state;

    @Option(names = "--socket", paramLabel = "PATH", description = "Local API socket (default: ${DEFAULT-VALUE}).")
    Path socket = NodeConfig.DEFAULT_SOCKET;

    @Option(names = "--tun", paramLabel = "NAME", description = "TUN interface name (default: ${DEFAULT-VALUE}).")
    String tun = NodeConfig.DEFAULT_TUN;

    @Option(names = "--port", paramLabel = "N", description = "WireGuard UDP port, 0 = random (default: ${DEFAULT-VALUE}).")
    int port = NodeConfig.DEFAULT_PORT;

    @Option(names = "--no-magicsock", description = {"Run without magicsock: no relays, no disco, no STUN; peers are "
            + "reached only at an endpoint control reported (for debugging; `warren netcheck` is unavailable)."})
    boolean noMagicsock;

    @Option(names = "--no-port-mapping", description = "Do not ask the gateway for a port mapping (PCP, NAT-PMP, UPnP).")
    boolean noPortMapping;

    @Override
    public Integer call() {
        NodeConfig cfg;
        try {
            cfg = new NodeConfig(state, tun, port, socket, Clock.system());
        } catch (IllegalArgumentException e) {
            System.err.println("warren node: " + e.getMessage());
            return 2;
        }
        NodeDaemon daemon;
        try {
            DataPlane.Factory plane = noMagicsock ? DataPlane.PLAIN : MagicDataPlane.factory(
                    MagicDataPlane.Options.daemon(!noPortMapping));
            daemon = NodeDaemon.start(cfg, plane);
        } catch (IOException e) {
            System.err.println("warren node: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(daemon::close, "warren-node-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.printf("warren node: interface %s, UDP port %d, local API on %s, state in %s%s%n",
                daemon.interfaceName(), daemon.backend().status().listenPort(), socket, state,
                noMagicsock ? " (without magicsock)" : "");
        try {
            daemon.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.close();
        return 0;
    }
}
