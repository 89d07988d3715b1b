package dev.warren.cli;

import dev.warren.crypto.X25519;
import dev.warren.testing.lab.Netns;
import dev.warren.wire.key.PrivateKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warren demo --wg}: two network namespaces joined by a veth pair, a Warren WireGuard interface in each (or
 * wireguard-go in the second, with {@code --peer wireguard-go}), configured with the real {@code wg} tool
 * and {@code ip}, then pings both ways over IPv4 and IPv6 inside the tunnel and shows {@code wg show}.
 *
 * <pre>
 * 1. namespaces PREFIX-a and PREFIX-b, veth 192.168.77.1/24 ↔ .2/24 (the "internet")
 * 2. `bin/warren wg IFACE` in each (detached, as wg-quick would start it)
 * 3. keys generated here; `wg set` configures both ends; tunnel 10.100.0.1-2/24, fd10::1-2/64
 * 4. ping matrix, `wg show`; stay up until Ctrl-C (or exit with --once), removing everything made
 * </pre>
 */
final class WgDemo {
    private final boolean once;
    private final String peer;

    WgDemo(boolean once, String peer) {
        this.once = once;
        this.peer = peer;
    }

    Integer call() throws Exception {
        if (!List.of("warren", "wireguard-go").contains(peer)) {
            System.err.println("warren demo: --peer must be warren or wireguard-go, not \"" + peer + "\"");
            return 2;
        }
        for (String tool : List.of("ip", "wg", "ping")) {
            if (!Netns.have(tool)) {
                System.err.println("warren demo: " + tool + " is missing (bin/warren installs iproute2, wireguard-tools and iputils-ping)");
                return 1;
            }
        }
        if (peer.equals("wireguard-go") && !Netns.have("wireguard-go")) {
            System.err.println("warren demo: wireguard-go is missing (apt-get install wireguard-go)");
            return 1;
        }
        String launcher = Path.of(System.getProperty("warren.home", "."), "bin", "warren").toString();
        try (Netns lab = new Netns("demo")) {
            String a = lab.add("a");
            String b = lab.add("b");
            String ifA = lab.prefix() + "a";
            String ifB = lab.prefix() + "b";
            step("namespaces " + a + " and " + b + ", joined by a veth pair 192.168.77.1 <-> 192.168.77.2");
            lab.veth(a, "veth" + lab.prefix().substring(1) + "a", "192.168.77.1/24",
                    b, "veth" + lab.prefix().substring(1) + "b", "192.168.77.2/24");
            Path dir = Files.createTempDirectory("warren-demo", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            try {
                PrivateKey ka = X25519.generatePrivateKey();
                PrivateKey kb = X25519.generatePrivateKey();
                Path keyA = Files.writeString(dir.resolve("a.key"), ka.toBase64() + "\n");
                Path keyB = Files.writeString(dir.resolve("b.key"), kb.toBase64() + "\n");
                step("starting Warren on " + ifA + " in " + a);
                lab.exec(a, launcher, "wg", ifA);
                step("starting " + (peer.equals("warren") ? "Warren" : "wireguard-go") + " on " + ifB + " in " + b);
                if (peer.equals("warren")) {
                    lab.exec(b, launcher, "wg", ifB);
                } else {
                    lab.exec(b, "wireguard-go", ifB);
                }
                configure(lab, a, ifA, keyA, X25519.publicKey(kb).toBase64(), "192.168.77.2:51820", "1", "2");
                configure(lab, b, ifB, keyB, X25519.publicKey(ka).toBase64(), "192.168.77.1:51820", "2", "1");
                boolean ok = true;
                ok &= ping(lab, a, "10.100.0.2", "warren (" + ifA + ") -> " + peer + " (" + ifB + ")  IPv4");
                ok &= ping(lab, b, "10.100.0.1", peer + " (" + ifB + ") -> warren (" + ifA + ")  IPv4");
                ok &= ping(lab, a, "fd10::2", "warren (" + ifA + ") -> " + peer + " (" + ifB + ")  IPv6");
                ok &= ping(lab, b, "fd10::1", peer + " (" + ifB + ") -> warren (" + ifA + ")  IPv6");
                System.out.println();
                System.out.println("$ wg show " + ifA + "   (in " + a + ")");
                System.out.print(lab.exec(a, "wg", "show", ifA));
                System.out.println();
                System.out.println(ok ? "All pings answered: the tunnel works in both directions."
                        : "Some pings were not answered.");
                if (!once) {
                    System.out.println("The namespaces stay up; try: ip netns exec " + a + " ping 10.100.0.2");
                    System.out.println("Press Ctrl-C to stop and remove everything.");
                    new CountDownLatch(1).await();
                }
                return ok ? 0 : 1;
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    private static void configure(Netns lab, String ns, String iface, Path key, String peerKey, String endpoint,
                                  String self, String other) throws IOException {
        step("configuring " + iface + " with wg set and ip");
        lab.exec(ns, "wg", "set", iface, "listen-port", "51820", "private-key", key.toString(), "peer", peerKey,
                "endpoint", endpoint, "allowed-ips", "10.100.0." + other + "/32,fd10::" + other + "/128");
        lab.exec(ns, "ip", "addr", "add", "10.100.0." + self + "/24", "dev", iface);
        lab.exec(ns, "ip", "addr", "add", "fd10::" + self + "/64", "dev", iface, "nodad");
        lab.exec(ns, "ip", "link", "set", iface, "mtu", "1420", "up");
    }

    private static boolean ping(Netns lab, String ns, String addr, String what) throws IOException {
        Netns.Result r = lab.tryExec(ns, Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "3", addr);
        String rtt = r.output().lines().filter(l -> l.startsWith("rtt")).findFirst().orElse("");
        System.out.printf("  %-4s %-60s %s%n", r.ok() ? "ok" : "FAIL", what, rtt.replaceFirst("rtt min/avg/max/mdev = ", "rtt "));
        return r.ok();
    }

    private static void step(String s) {
        System.out.println("* " + s);
    }
}
