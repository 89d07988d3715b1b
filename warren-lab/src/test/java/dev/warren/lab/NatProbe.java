package dev.warren.lab;

import dev.warren.testing.lab.Netns;
import dev.warren.testing.nat.NatLab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the NAT lab's own tests need: the root check, the tools (a missing one is a failure naming its Debian
 * package), and a tiny python3 probe — a UDP or TCP echo that answers with the source address it saw, and a
 * client that asks several servers from one local port — to observe how a router maps and filters.
 */
final class NatProbe {
    /** The probe program: {@code udp-serve PORT}, {@code tcp-serve PORT}, {@code udp-ask LPORT H:P...},
     *  {@code tcp-ask H:P}, {@code udp-punch LPORT H:P} (send one datagram to H:P, then echo on that socket). Each answer is the peer's address as the server saw it, {@code ip:port}. */
    static final String PROGRAM = """
            import socket, sys
            mode = sys.argv[1]
            if mode == "udp-serve":
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", int(sys.argv[2])))
                while True:
                    d, a = s.recvfrom(2048)
                    s.sendto(("%s:%d" % a).encode(), a)
            elif mode == "tcp-serve":
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", int(sys.argv[2])))
                s.listen(16)
                while True:
                    c, a = s.accept()
                    c.sendall(("%s:%d" % a).encode())
                    c.close()
            elif mode == "udp-punch":
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", int(sys.argv[2])))
                h, p = sys.argv[3].rsplit(":", 1)
                s.sendto(b"punch", (h, int(p)))
                while True:
                    try:
                        d, a = s.recvfrom(2048)
                        s.sendto(("%s:%d" % a).encode(), a)
                    except OSError:
                        pass
            elif mode == "udp-ask":
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", int(sys.argv[2])))
                s.settimeout(1.0)
                for d in sys.argv[3:]:
                    h, p = d.rsplit(":", 1)
                    try:
                        s.sendto(b"?", (h, int(p)))
                        r, _ = s.recvfrom(2048)
                        print(d, r.decode())
                    except OSError:
                        print(d, "-")
            elif mode == "tcp-ask":
                h, p = sys.argv[2].rsplit(":", 1)
                try:
                    s = socket.create_connection((h, int(p)), timeout=2)
                    print(sys.argv[2], s.recv(100).decode())
                except OSError:
                    print(sys.argv[2], "-")
            """;

    private NatProbe() {
    }

    /** Skips unless root; fails when a tool the NAT lab uses is missing. */
    static void requireNatLab() {
        assumeTrue("root".equals(System.getProperty("user.name")), "the NAT lab needs root");
        String[][] tools = {{"ip", "iproute2"}, {"nft", "nftables"}, {"conntrack", "conntrack"},
                {"miniupnpd", "miniupnpd"}, {"upnpc", "miniupnpc"}, {"natpmpc", "natpmpc"}, {"python3", "python3"},
                {"ss", "iproute2"}};
        for (String[] t : tools) {
            if (!Netns.have(t[0])) {
                fail(t[0] + " is missing: apt-get install " + t[1] + " (bin/test installs it)");
            }
        }
    }

    /** A lab builder whose work directory is under the lab's kept logs. */
    static NatLab.Builder lab() {
        return NatLab.builder().workRoot(LabEnv.LOGS.resolve("natlab"));
    }

    static Path program(NatLab lab) throws IOException {
        Path p = lab.workDir().resolve("probe.py");
        if (!Files.exists(p)) {
            Files.writeString(p, PROGRAM);
        }
        return p;
    }

    /** Starts a UDP (or TCP) echo on {@code node}:{@code port} and waits until it listens. */
    static NatLab.Background serve(NatLab lab, String node, boolean tcp, int port) throws Exception {
        NatLab.Background b = lab.spawn(node, (tcp ? "tcp" : "udp") + port, "python3", program(lab).toString(),
                tcp ? "tcp-serve" : "udp-serve", Integer.toString(port));
        boolean up = LabEnv.eventually(Duration.ofSeconds(10), () -> lab.exec(node, Duration.ofSeconds(5), "ss",
                tcp ? "-lnt" : "-lnu").output().contains(":" + port + " "));
        if (!up) {
            fail("probe server on " + node + ":" + port + " did not start: " + b.log());
        }
        return b;
    }

    /**
     * On {@code host}, a UDP socket on {@code localPort} sends one datagram to {@code destination} (opening the
     * router's mapping and filter for it, as hole punching does), then echoes whatever reaches it.
     */
    static NatLab.Background punch(NatLab lab, String host, int localPort, String destination) throws Exception {
        NatLab.Background b = lab.spawn(host, "punch" + localPort, "python3", program(lab).toString(), "udp-punch",
                Integer.toString(localPort), destination);
        boolean up = LabEnv.eventually(Duration.ofSeconds(10), () -> lab.exec(host, Duration.ofSeconds(5), "ss",
                "-lnu").output().contains(":" + localPort + " "));
        if (!up) {
            fail("punch on " + host + ":" + localPort + " did not start: " + b.log());
        }
        Thread.sleep(200); // the datagram is sent right after bind
        return b;
    }

    /**
     * From {@code host}, one UDP socket on {@code localPort} asks each destination in turn; returns destination →
     * the source address that destination saw ({@code ip:port}), or {@code "-"} when no answer came within 1 s.
     */
    static Map<String, String> askUdp(NatLab lab, String host, int localPort, String... destinations)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("python3", program(lab).toString(), "udp-ask",
                Integer.toString(localPort)));
        cmd.addAll(List.of(destinations));
        return parse(lab.exec(host, Duration.ofSeconds(30), cmd.toArray(String[]::new)));
    }

    /** The source address a TCP server at {@code destination} saw from {@code host}, or {@code "-"}. */
    static String askTcp(NatLab lab, String host, String destination) throws IOException {
        return parse(lab.exec(host, Duration.ofSeconds(30), "python3", program(lab).toString(), "tcp-ask",
                destination)).getOrDefault(destination, "-");
    }

    private static Map<String, String> parse(Netns.Result r) {
        if (!r.ok()) {
            fail("probe failed (" + r.status() + "): " + r.output());
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : r.output().strip().split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2) {
                m.put(f[0], f[1]);
            }
        }
        return m;
    }

    /** The port of an {@code ip:port} answer. */
    static int port(String answer) {
        return Integer.parseInt(answer.substring(answer.lastIndexOf(':') + 1));
    }

    /** The address of an {@code ip:port} answer. */
    static String ip(String answer) {
        return answer.substring(0, answer.lastIndexOf(':'));
    }

    static boolean exists(String namespace) throws IOException {
        return new File("/run/netns/" + namespace).exists();
    }
}
