package dev.warren.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy lab's witnesses, run inside namespaces in their own JVM ({@link LabEnv#tool}-style; JDK only, nothing
 * of Warren). One JVM per namespace and round keeps a matrix of dozens of probes fast.
 *
 * <pre>
 * serve TCP_PORTS UDP_PORTS         echo on each TCP port (per connection, line by line) and UDP port (datagrams),
 *                                   until killed; ports comma-separated ("-" for none); prints "ready" once bound
 * probe TIMEOUT_MS SPEC...          SPEC = tcp:HOST:PORT or udp:HOST:PORT (HOST may be [v6]); a TCP probe
 *                                   connects and needs its line echoed, a UDP probe needs its datagram echoed
 *                                   (three tries); prints one "SPEC ok|fail" line per SPEC
 * hold HOST PORT SECONDS            one TCP connection: a line every 50 ms, each echo awaited (1 s timeout); at
 *                                   the end "sent=N echoed=N maxgap_ms=G" (G: longest wait between echoes)
 * </pre>
 */
public final class PolicyProbe {
    private PolicyProbe() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(ports(args[1]), ports(args[2]));
            case "probe" -> probe(Integer.parseInt(args[1]), List.of(args).subList(2, args.length));
            case "hold" -> hold(args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static List<Integer> ports(String s) {
        List<Integer> out = new ArrayList<>();
        if (!s.equals("-")) {
            for (String p : s.split(",")) {
                out.add(Integer.parseInt(p));
            }
        }
        return out;
    }

    private static void serve(List<Integer> tcp, List<Integer> udp) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int port : tcp) {
            ServerSocket ss = new ServerSocket();
            ss.bind(new InetSocketAddress(InetAddress.getByName("::"), port));
            threads.add(Thread.ofPlatform().start(() -> {
                while (true) {
                    try {
                        Socket s = ss.accept();
                        Thread.ofVirtual().start(() -> echo(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            }));
        }
        for (int port : udp) {
            DatagramSocket ds = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::"), port));
            threads.add(Thread.ofPlatform().start(() -> {
                byte[] buf = new byte[2048];
                while (true) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        ds.receive(p);
                        ds.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }));
        }
        System.out.println("ready");
        System.out.flush();
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // peer gone
        }
    }

    /** HOST:PORT with HOST possibly in brackets. */
    private static InetSocketAddress address(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static void probe(int timeoutMs, List<String> specs) throws Exception {
        List<Thread> threads = new ArrayList<>();
        String[] results = new String[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            int index = i;
            threads.add(Thread.ofVirtual().start(() -> {
                String spec = specs.get(index);
                boolean ok;
                try {
                    InetSocketAddress a = address(spec.substring(4));
                    ok = spec.startsWith("tcp:") ? tcp(a, timeoutMs) : udp(a, timeoutMs);
                } catch (IOException e) {
                    ok = false;
                }
                results[index] = spec + " " + (ok ? "ok" : "fail");
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        for (String r : results) {
            System.out.println(r);
        }
    }

    private static boolean tcp(InetSocketAddress a, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(a, timeoutMs);
            s.setSoTimeout(timeoutMs);
            s.getOutputStream().write("probe\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[6];
            int got = 0;
            while (got < buf.length) {
                int n = s.getInputStream().read(buf, got, buf.length - got);
                if (n < 0) {
                    return false;
                }
                got += n;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean udp(InetSocketAddress a, int timeoutMs) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(Math.max(1, timeoutMs / 3));
            byte[] msg = ("probe-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
            for (int attempt = 0; attempt < 3; attempt++) {
                s.send(new DatagramPacket(msg, msg.length, a));
                try {
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    s.receive(p);
                    if (p.getLength() == msg.length) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // next attempt
                }
            }
            return false;
        }
    }

    private static void hold(String host, int port, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int sent = 0;
        int echoed = 0;
        long maxGap = 0;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port), 3000);
            s.setSoTimeout(1000);
            System.out.println("connected");
            System.out.flush();
            long lastEcho = System.nanoTime();
            byte[] line = "0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII);
            byte[] buf = new byte[line.length];
            while (System.nanoTime() < end) {
                s.getOutputStream().write(line);
                sent++;
                int got = 0;
                try {
                    while (got < buf.length) {
                        int n = s.getInputStream().read(buf, got, buf.length - got);
                        if (n < 0) {
                            throw new IOException("closed by the peer");
                        }
                        got += n;
                    }
                    echoed++;
                    long now = System.nanoTime();
                    maxGap = Math.max(maxGap, now - lastEcho);
                    lastEcho = now;
                } catch (SocketTimeoutException e) {
                    maxGap = Math.max(maxGap, System.nanoTime() - lastEcho);
                    break; // a stalled stream: report what we have
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            System.out.println("error=" + e.getMessage());
        }
        System.out.println("sent=" + sent + " echoed=" + echoed + " maxgap_ms=" + maxGap / 1_000_000);
    }
}
