package dev.warren.cli;

import dev.warren.testing.lab.MeshLab;
import dev.warren.testing.lab.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiPredicate;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warren demo}: a whole Warren network on one simulated LAN, started the way a user deploys it.
 *
 * <pre>
 * 1. a LAN namespace with a bridge; in its own namespace `warren relay serve` at 10.77.0.1:8443 (STUN 3478) and
 *    the control server at 10.77.0.1:8080 (SQLite state) with a relay map naming that relay (region "lan")
 * 2. `warren control domain create demo`, two pre-auth keys of user you@demo: one for devices, one that tags its
 *    node tag:server
 * 3. three devices (alpha and bravo: yours; charlie: tag:server), each a namespace on the LAN running `warren node`
 * 4. `warren up --login-server … --auth-key …` on each; wait until every node sees the other two
 * 5. `warren status` of alpha; a ping matrix over Warren's IPv4 and IPv6 addresses (kernel ping through each TUN)
 *    under the new domain's allow-all policy; `warren status` again once alpha's paths are direct (PATH column),
 *    `warren netcheck` on alpha
 * 6. access policy: `warren control policy set` of a policy under which your devices reach each other and the
 *    server only on TCP 22; the ping matrix again (charlie now reaches nobody; ICMP to charlie follows its allowed
 *    port, as in Tailscale), `warren policy trace` of an allowed and a denied connection, `warren filter` on alpha
 *    (charlie's dropped pings)
 * 7. stay up until Ctrl-C (or exit with --once, status 1 if a matrix is not as expected or a path never went
 *    direct); remove everything
 * </pre>
 *
 * With {@code --wg} it shows the WireGuard engine alone instead: two namespaces, {@code warren wg} in each (or
 * wireguard-go as the second, with {@code --peer wireguard-go}), configured with {@code wg} and {@code ip}.
 */
@Command(name = "demo",
        description = {"Show a Warren network at work in network namespaces (needs root).",
                "Starts a relay and a control server, creates a domain and a pre-auth key, starts three nodes on a",
                "simulated LAN, logs them in, prints the status table (PATH: direct or through the relay), a ping",
                "matrix over Warren's IPv4 and IPv6 addresses and a netcheck, then sets an access policy and shows",
                "what it allows and denies; removes everything on Ctrl-C."},
        mixinStandardHelpOptions = true, versionProvider = Version.class)
final class DemoCommand implements Callable<Integer> {
    private static final List<String> NAMES = List.of("alpha", "bravo", "charlie");
    private static final String USER = "you@demo";
    private static final String SERVER_TAG = "tag:server";
    /** The policy the demo sets: the user's devices reach each other; the tagged server only on SSH. */
    static final String POLICY = """
            // The demo's access policy: your devices reach each other on anything; the server only on SSH.
            {
              "tagOwners": {"tag:server": ["you@demo"]},
              "acls": [
                {"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:member:*"]},
                {"action": "accept", "src": ["you@demo"], "dst": ["tag:server:22"]},
              ],
              "tests": [
                {"src": "you@demo", "accept": ["tag:server:22"], "deny": ["tag:server:80"]},
                {"src": "tag:server", "deny": ["you@demo:22"]},
              ],
            }
            """;

    @Option(names = "--once", description = "Exit after the checks (status 1 if any pair cannot reach another) instead of waiting for Ctrl-C.")
    boolean once;

    @Option(names = "--wg", description = "Show the WireGuard engine alone: two `warren wg` interfaces configured with `wg`.")
    boolean wg;

    @Option(names = "--peer", defaultValue = "warren", paramLabel = "warren|wireguard-go",
            description = "With --wg: what runs the second interface, Warren (default) or wireguard-go.")
    String peer;

    @Option(names = "--keep", description = "Keep the state and logs directory after the demo (it is printed).")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (!List.of("warren", "wireguard-go").contains(peer)) {
            System.err.println("warren demo: --peer must be warren or wireguard-go, not \"" + peer + "\"");
            return 2;
        }
        if (wg) {
            return new WgDemo(once, peer).call();
        }
        for (String tool : List.of("ip", "ping")) {
            if (!Netns.have(tool)) {
                System.err.println("warren demo: " + tool + " is missing (bin/warren demo installs iproute2 and iputils-ping)");
                return 1;
            }
        }
        Path launcher = Path.of(System.getProperty("warren.home", "."), "bin", "warren").toAbsolutePath();
        Path work = Files.createTempDirectory("warren-demo", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        boolean ok = false;
        try (Netns netns = new Netns("demo")) {
            // Ctrl-C: stop the processes first, then remove their state and logs (unless --keep)
            Thread onExit = new Thread(() -> {
                netns.close();
                if (!keep) {
                    deleteTree(work);
                }
            }, "demo-cleanup");
            Runtime.getRuntime().addShutdownHook(onExit);
            MeshLab lab = new MeshLab(netns, launcher, work);
            step("relay: warren relay serve --listen " + MeshLab.CONTROL_ADDR + ":" + MeshLab.RELAY_PORT
                    + " --stun-port " + MeshLab.RELAY_STUN_PORT + " (in namespace " + netns.prefix() + "-ctl)");
            step("control server: warren control serve --listen " + MeshLab.CONTROL_ADDR + ":" + MeshLab.CONTROL_PORT
                    + " --relay-map relay-map.json (region 1 \"lan\" = that relay; state in "
                    + work.resolve("control") + ")");
            MeshLab.Control control = lab.startControl(Duration.ofSeconds(60), true);
            step("warren control domain create demo");
            control.createDomain("demo");
            step("warren control authkey create --domain demo --reusable --user " + USER);
            String key = control.createAuthKey("demo", "--reusable", "--user", USER);
            System.out.println("    " + key);
            step("warren control authkey create --domain demo --user " + USER + " --tags " + SERVER_TAG
                    + "   (for charlie, a server)");
            String serverKey = control.createAuthKey("demo", "--user", USER, "--tags", SERVER_TAG);
            System.out.println("    " + serverKey);
            List<MeshLab.Node> nodes = new ArrayList<>();
            for (String name : NAMES) {
                step("device " + name + ": warren node (namespace " + netns.prefix() + "-" + name + ")");
                nodes.add(lab.startNode(name, Duration.ofSeconds(60)));
            }
            for (MeshLab.Node n : nodes) {
                String k = n == nodes.getLast() ? serverKey : key;
                step(n.name() + ": warren up --login-server " + control.url() + " --auth-key " + shortKey(k)
                        + " --hostname " + n.name());
                n.up(control.url(), k);
            }
            List<String[]> addrs = new ArrayList<>();
            for (MeshLab.Node n : nodes) {
                addrs.add(new String[] {n.address(false), n.address(true)});
            }
            System.out.println();
            System.out.println("$ warren status   (on alpha)");
            System.out.print(waitForPeers(nodes.getFirst(), nodes.size() - 1));
            System.out.println();
            ok = pingMatrix(nodes, addrs, (i, j) -> true);
            System.out.println();
            MeshLab.Node a = nodes.getFirst();
            System.out.println("$ warren status   (on alpha, once disco has proven the direct paths)");
            String paths = waitForDirectPaths(a, nodes.size() - 1);
            System.out.print(paths);
            boolean direct = directPaths(paths) == nodes.size() - 1;
            if (!direct) {
                System.out.println("(not every path went direct within 20 s)");
            }
            ok &= direct;
            System.out.println();
            System.out.println("$ warren netcheck   (on alpha)");
            Netns.Result nc = a.cli("netcheck");
            System.out.print(nc.output());
            ok &= nc.ok();
            System.out.println();
            System.out.println("$ warren ping " + nodes.get(1).name() + "   (on alpha)");
            System.out.print(a.cli("ping", "-c", "2", nodes.get(1).name()).output());
            System.out.println();
            System.out.println(ok ? "Every node reaches every other over Warren, IPv4 and IPv6, on direct paths."
                    : "Some pairs could not reach each other (or not directly); logs are in " + work);
            System.out.println();
            ok &= policyStep(control, work, nodes, addrs);
            if (!once) {
                System.out.println("The network stays up. Try, in another terminal:");
                System.out.println("  bin/warren status --socket " + a.socket());
                System.out.println("  ip netns exec " + a.namespace() + " ping " + addrs.get(1)[0]);
                System.out.println("Press Ctrl-C to stop and remove everything.");
                new CountDownLatch(1).await();
            }
            Runtime.getRuntime().removeShutdownHook(onExit);
            return ok ? 0 : 1;
        } catch (IOException e) {
            System.err.println("warren demo: " + e.getMessage());
            System.err.println("logs are kept in " + work);
            keep = true;
            return 1;
        } finally {
            if (!keep && ok) {
                deleteTree(work);
            } else {
                System.out.println("state and logs: " + work);
            }
        }
    }

    private static String waitForPeers(MeshLab.Node n, int peers) throws IOException, InterruptedException {
        String out = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() - deadline < 0) {
            Netns.Result r = n.cli("status");
            out = r.output();
            long online = out.lines().filter(l -> l.contains("100.64.")).count();
            if (r.ok() && online >= peers + 1) {
                return out;
            }
            Thread.sleep(200);
        }
        return out;
    }

    /** Status of {@code n} once {@code peers} rows show a direct PATH, or the last status after 20 s. */
    private static String waitForDirectPaths(MeshLab.Node n, int peers) throws IOException, InterruptedException {
        String out = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() - deadline < 0) {
            Netns.Result r = n.cli("status");
            out = r.output();
            if (r.ok() && directPaths(out) >= peers) {
                return out;
            }
            Thread.sleep(500);
        }
        return out;
    }

    private static long directPaths(String status) {
        return status.lines().filter(l -> l.matches(".*\\sdirect \\S+:\\d+\\s.*")).count();
    }

    /**
     * Sets {@link #POLICY}, shows the matrix it leaves (only the two user devices answer each other), a trace of an
     * allowed and a denied connection and charlie's filter; true if the matrix is exactly that.
     */
    private static boolean policyStep(MeshLab.Control control, Path work, List<MeshLab.Node> nodes,
                                      List<String[]> addrs) throws IOException, InterruptedException {
        Path file = work.resolve("demo-policy.hujson");
        Files.writeString(file, POLICY);
        System.out.println("Access policy. A new domain allows everything; now the admin narrows it:");
        System.out.println("$ cat demo-policy.hujson");
        System.out.print(POLICY);
        System.out.println("$ warren control policy set --domain demo demo-policy.hujson");
        System.out.println(control.admin("policy", "set", "--domain", "demo", file.toString()).strip());
        System.out.println();
        // your devices ping everyone: a rule that allows a port also allows ICMP to that host, as in Tailscale;
        // charlie (the server) reaches nobody
        BiPredicate<Integer, Integer> allowed = (i, j) -> i < 2;
        Thread.sleep(1000); // the new filters reach every node within a second (a map delta)
        boolean ok = pingMatrix(nodes, addrs, allowed);
        System.out.println();
        for (String[] t : List.of(new String[] {"alpha", "charlie:22"}, new String[] {"charlie", "alpha:22"})) {
            System.out.println("$ warren policy trace --domain demo " + t[0] + " " + t[1]);
            System.out.println(control.cli("policy", "trace", "--domain", "demo", t[0], t[1]).output().strip());
        }
        System.out.println();
        System.out.println("$ warren filter   (on alpha: charlie's pings were dropped)");
        System.out.print(nodes.getFirst().cli("filter").output());
        System.out.println();
        System.out.println(ok ? "The policy holds on every node: alpha and bravo reach each other and charlie (TCP 22,"
                + " and ping, which follows any allowed port as in Tailscale); charlie reaches nobody."
                : "The matrix under the policy is not as expected (FAIL or UNEXPECTED above).");
        return ok;
    }

    private static boolean pingMatrix(List<MeshLab.Node> nodes, List<String[]> addrs,
                                      BiPredicate<Integer, Integer> expected) throws IOException {
        boolean all = true;
        for (int family = 0; family < 2; family++) {
            System.out.printf("ping matrix, %s (row pings column)%n", family == 0 ? "IPv4" : "IPv6");
            StringBuilder head = new StringBuilder(String.format("  %-9s", ""));
            for (MeshLab.Node n : nodes) {
                head.append(String.format("%-9s", n.name()));
            }
            System.out.println(head);
            for (int i = 0; i < nodes.size(); i++) {
                StringBuilder row = new StringBuilder(String.format("  %-9s", nodes.get(i).name()));
                for (int j = 0; j < nodes.size(); j++) {
                    if (i == j) {
                        row.append(String.format("%-9s", "-"));
                        continue;
                    }
                    boolean want = expected.test(i, j);
                    boolean ok = false;
                    for (int attempt = 0; attempt < (want ? 3 : 1) && !ok; attempt++) {
                        ok = nodes.get(i).ping(addrs.get(j)[family], Duration.ofSeconds(want ? 2 : 1));
                    }
                    all &= ok == want;
                    row.append(String.format("%-9s", ok == want ? (ok ? "ok" : "denied") : ok ? "UNEXPECTED" : "FAIL"));
                }
                System.out.println(row);
            }
        }
        return all;
    }

    private static String shortKey(String key) {
        return key.length() > 16 ? key.substring(0, 16) + "…" : key;
    }

    private static void step(String s) {
        System.out.println("* " + s);
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("warren demo: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
