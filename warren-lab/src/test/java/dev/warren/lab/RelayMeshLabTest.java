package dev.warren.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.testing.lab.MeshLab;
import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Magicsock and the relay in real processes on one LAN: {@code warren relay serve} beside {@code warren control
 * serve --relay-map} (region 1 "lan"), two {@code warren node} daemons with the default (magicsock) data plane.
 *
 * <pre>
 * 1. both nodes come up; each picks the relay as home (status: "home lan") and tells control (the peer's row)
 * 2. kernel pings through the TUNs work; the PATH column goes "direct 10.77.0.x:41641" on both sides
 * 3. `warren ping` says the pong came over the direct path
 * 4. `warren netcheck --json`: UDP true, IPv4 with the node's LAN address as STUN saw it, the region measured by
 *    STUN, preferred region 1; the text form names the nearest relay
 * </pre>
 */
@Tag("lab")
class RelayMeshLabTest {
    private static final Duration START = Duration.ofSeconds(60);

    @Test
    @Timeout(180)
    void nodesWithARelayGoDirectOnOneLanAndNetcheckWorks() throws Exception {
        LabEnv.requireLab();
        try (Netns netns = new Netns("lab")) {
            Path work = LabEnv.logDir(netns);
            MeshLab lab = new MeshLab(netns, LabEnv.WARREN, work);
            MeshLab.Control control = lab.startControl(START, true);
            control.createDomain("lab");
            String key = control.createAuthKey("lab", "--reusable");
            MeshLab.Node a = lab.startNode("ra", START);
            MeshLab.Node b = lab.startNode("rb", START);
            a.up(control.url(), key);
            b.up(control.url(), key);
            String bV4 = b.address(false);
            String aV4 = a.address(false);

            // 1. home relay chosen by netcheck and known to the peer through control
            assertTrue(LabEnv.eventually(Duration.ofSeconds(20), () -> statusLine(a, "ra").contains("home lan")
                    && (statusLine(b, "ra").contains("relay lan") || statusLine(b, "ra").contains("direct "))),
                    "a's home is the relay and b's row for a names it:\n" + status(a) + "\n" + status(b));

            // 2. traffic, then both paths direct
            assertTrue(LabEnv.eventually(Duration.ofSeconds(30), () -> {
                a.ping(bV4, Duration.ofSeconds(1));
                b.ping(aV4, Duration.ofSeconds(1));
                return statusLine(a, "rb").matches(".*\\sdirect 10\\.77\\.0\\.\\d+:41641\\s.*")
                        && statusLine(b, "ra").matches(".*\\sdirect 10\\.77\\.0\\.\\d+:41641\\s.*");
            }), "paths went direct:\n" + status(a) + "\n" + status(b));
            System.out.println(status(a));

            // 3. warren ping over the direct path
            Netns.Result ping = a.cli("ping", "-c", "1", "rb");
            assertTrue(ping.ok() && ping.output().contains("via " + b.lanAddress() + ":41641"), ping.output());

            // 4. netcheck, JSON and text
            Netns.Result json = a.cli("netcheck", "--json");
            assertTrue(json.ok(), json.output());
            JsonNode r = new ObjectMapper().readTree(json.output());
            assertTrue(r.get("udp").asBoolean(), r.toString());
            assertTrue(r.get("ipv4").asBoolean(), r.toString());
            assertEquals(a.lanAddress() + ":41641", r.get("globalV4").asText(), r.toString());
            assertEquals(1, r.get("preferredRegion").asInt(), r.toString());
            JsonNode region = r.get("regions").get(0);
            assertEquals("lan", region.get("code").asText(), r.toString());
            assertEquals("stun", region.get("via").asText(), r.toString());
            assertTrue(region.get("latencyMs").asDouble() < 1000, r.toString());
            Netns.Result text = a.cli("netcheck");
            assertTrue(text.ok() && text.output().contains("Nearest relay: lan"), text.output());
            System.out.println(text.output());
        }
    }

    private static String status(MeshLab.Node n) {
        try {
            return n.cli("status").output();
        } catch (java.io.IOException e) {
            return "(status failed: " + e.getMessage() + ")";
        }
    }

    /** The status row of {@code name} on {@code n}, or "" when absent. */
    private static String statusLine(MeshLab.Node n, String name) {
        List<String> rows = status(n).lines().filter(l -> l.matches("\\S+\\s+\\S+\\s+" + name + "\\b.*")).toList();
        return rows.isEmpty() ? "" : rows.getFirst() + " ";
    }
}
