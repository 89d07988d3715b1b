package dev.warren.node;

import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon for real, as root, in a network namespace of its own: real TUN, real {@code ip} configuration, the real
 * Noise control channel, real UDP, and the kernel answering a ping through the tunnel. Skipped without root.
 */
class NodeDaemonLabTest {
    @TempDir
    Path dir;

    @Test
    void daemonOnARealTunInANamespace() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "lab tests need root");
        Assumptions.assumeTrue(Netns.have("ip"), "iproute2 is not installed");
        try (Netns ns = new Netns("node")) {
            String n = ns.add("a");
            String other = ns.add("b"); // only to give a an underlay interface with an address
            ns.veth(n, ns.prefix() + "a", "10.99.0.1/24", other, ns.prefix() + "b", "10.99.0.2/24");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Netns.Result r = ns.tryExec(n, Duration.ofSeconds(90), java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), LabMain.class.getName(),
                    dir.resolve("state").toString(), dir.resolve("run/warren.sock").toString(), "wlab0", "10.99.0.1");
            System.out.println(r.output());
            assertTrue(r.ok() && r.output().contains("LAB OK"), r.output());
        }
    }
}
