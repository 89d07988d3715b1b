package dev.warren.lab;

import dev.warren.testing.lab.MeshLab;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Warren network of four devices on one LAN, each a namespace running {@code warren node} with a real TUN, and
 * a control server in a fifth namespace — started and driven exactly as a user does, through the CLI.
 *
 * <pre>
 * 1. control serve; domain; reusable key; four nodes `warren up`
 * 2. every ordered pair pings over Warren IPv4 and IPv6 (kernel ping through the TUN)
 * 3. delete a node with `warren control node delete`: its traffic to its peers stops within 1 s
 * 4. restart a node's daemon: same addresses, reachable again
 * 5. kill the control server: traffic continues; restart it, a new node joins and everyone reaches it
 * </pre>
 */
@Tag("lab")
class MeshLabTest {
    private static final Duration START = Duration.ofSeconds(60);

    @Test
    void aWarrenNetworkOnOneLan() throws Exception {
        LabEnv.requireLab();
        try (Netns netns = new Netns("lab")) {
            Path work = LabEnv.logDir(netns);
            MeshLab lab = new MeshLab(netns, LabEnv.WARREN, work);
            MeshLab.Control control = lab.startControl(START);
            control.createDomain("lab");
            String key = control.createAuthKey("lab", "--reusable");
            List<MeshLab.Node> nodes = new ArrayList<>();
            for (String name : List.of("n1", "n2", "n3", "n4")) {
                nodes.add(lab.startNode(name, START));
            }
            for (MeshLab.Node n : nodes) {
                n.up(control.url(), key);
            }
            List<String> v4 = new ArrayList<>();
            List<String> v6 = new ArrayList<>();
            for (MeshLab.Node n : nodes) {
                v4.add(n.address(false));
                v6.add(n.address(true));
            }
            assertEquals(4, v4.stream().distinct().count(), "distinct IPv4 addresses " + v4);
            for (String a : v4) {
                assertTrue(a.startsWith("100."), a);
            }
            for (String a : v6) {
                assertTrue(a.startsWith("fd7a:115c:a1e0:"), a);
            }

            // 2. all pairs, both families
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = 0; j < nodes.size(); j++) {
                    if (i != j) {
                        assertTrue(pingSoon(nodes.get(i), v4.get(j)), nodes.get(i).name() + " → " + v4.get(j));
                        assertTrue(pingSoon(nodes.get(i), v6.get(j)), nodes.get(i).name() + " → " + v6.get(j));
                    }
                }
            }

            // 3. delete n4: n1 stops answering it within 1 s of the deletion
            MeshLab.Node n1 = nodes.get(0);
            MeshLab.Node n4 = nodes.get(3);
            String n4Id = nodeId(control.admin("node", "list"), "n4");
            Process pinger = LabEnv.spawn(n4.namespace(), work.resolve("n4-ping.log"),
                    "ping", "-n", "-D", "-i", "0.05", "-w", "8", v4.get(0));
            Thread.sleep(1500);
            control.admin("node", "delete", n4Id);
            double deletedAt = Instant.now().toEpochMilli() / 1000.0;
            pinger.waitFor();
            double lastReply = lastReplyTime(LabEnv.read(work.resolve("n4-ping.log")));
            assertTrue(lastReply > 0, "n4 reached n1 before the deletion");
            assertTrue(lastReply - deletedAt <= 1.0, String.format(
                    "n1 still answered n4 %.2f s after the deletion", lastReply - deletedAt));
            assertFalse(n1.cli("status", "--json").output().contains("\"n4"), "n1's status still lists n4");

            // 4. restart n2: same addresses, reachable again
            MeshLab.Node n2 = nodes.get(1);
            n2.restart(START);
            assertTrue(LabEnv.eventually(Duration.ofSeconds(30), () -> n2.cli("ip", "-4").ok()), "n2 came back");
            assertEquals(v4.get(1), n2.address(false), "n2's IPv4 address after a restart");
            assertEquals(v6.get(1), n2.address(true), "n2's IPv6 address after a restart");
            assertTrue(pingSoon(n1, v4.get(1)), "n1 → restarted n2");
            assertTrue(pingSoon(n2, v6.get(2)), "restarted n2 → n3");

            // 5. control down: the data plane carries on; back up: a new node joins and is reachable
            control.kill();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    if (i != j) {
                        assertTrue(pingSoon(nodes.get(i), v4.get(j)), "with control down: " + nodes.get(i).name()
                                + " → " + v4.get(j));
                    }
                }
            }
            control.restart(START);
            MeshLab.Node n5 = lab.startNode("n5", START);
            n5.up(control.url(), key);
            String n5v4 = n5.address(false);
            for (int i = 0; i < 3; i++) {
                MeshLab.Node n = nodes.get(i);
                assertTrue(pingSoon(n, n5v4), n.name() + " → new node n5 after control came back (resync)");
            }
        }
    }

    private static boolean pingSoon(MeshLab.Node from, String to) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            if (from.ping(to, Duration.ofSeconds(2))) {
                return true;
            }
        }
        return false;
    }

    /** The id column of the node named {@code name} in {@code warren control node list}. */
    private static String nodeId(String list, String name) {
        for (String line : list.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 1 && List.of(f).contains(name) && f[0].matches("\\d+")) {
                return f[0];
            }
        }
        throw new AssertionError("no node " + name + " in:\n" + list);
    }

    /** The {@code ping -D} timestamp of the last reply, or 0. */
    private static double lastReplyTime(String log) {
        Matcher m = Pattern.compile("^\\[(\\d+\\.\\d+)\\] \\d+ bytes from", Pattern.MULTILINE).matcher(log);
        double last = 0;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        return last;
    }
}
