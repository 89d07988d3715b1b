package dev.warren.lab;

import org.bouncycastle.crypto.digests.Blake2sDigest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small network programs the lab runs inside namespaces, each in its own JVM ({@link LabEnv#tool}); they print
 * one {@code key=value …} line that the tests parse. They use only the JDK and, for the flood, BouncyCastle's
 * BLAKE2s — nothing of Warren — so they are independent witnesses.
 *
 * <pre>
 * tcp-sink PORT                        accept one connection, read to EOF: bytes=N sha256=HEX
 * tcp-source HOST PORT BYTES SEED      send BYTES pseudo-random bytes:     bytes=N sha256=HEX
 * udp-echo PORT                        echo every datagram back (until killed)
 * udp-check HOST PORT COUNT SEED       send COUNT datagrams of assorted sizes (1 B .. 8 KB, so some are
 *                                      IP-fragmented inside the tunnel), each retried until echoed, and compare:
 *                                      ok=N corrupt=N lost=N
 * udp-hold PORT                        keep UDP PORT bound (until killed)
 * udp-count PORT SECONDS               count datagrams arriving on PORT: datagrams=N
 * flood HOST PORT PUBKEY RATE SECONDS  send WireGuard handshake initiations with a valid mac1 for PUBKEY from
 *                                      random (unknown) keys, RATE per second in 10 ms bursts, and count the
 *                                      64-byte cookie replies (type 3) addressed to our sender indexes; prints
 *                                      t=… sent=N cookies=N bad=N other=N twice a second
 * </pre>
 */
public final class LabTool {
    private LabTool() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "tcp-sink" -> tcpSink(Integer.parseInt(args[1]));
            case "tcp-source" -> tcpSource(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]));
            case "udp-echo" -> udpEcho(Integer.parseInt(args[1]));
            case "udp-check" -> udpCheck(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]));
            case "udp-hold" -> udpHold(Integer.parseInt(args[1]));
            case "udp-count" -> udpCount(Integer.parseInt(args[1]), Double.parseDouble(args[2]));
            case "flood" -> flood(args[1], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]),
                    Double.parseDouble(args[5]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    // ---- TCP integrity ----

    private static void tcpSink(int port) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("::", port));
            System.out.println("listening");
            System.out.flush();
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                MessageDigest sha = sha256();
                byte[] buf = new byte[65536];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                }
                System.out.println("bytes=" + total + " sha256=" + HexFormat.of().formatHex(sha.digest()));
            }
        }
    }

    private static void tcpSource(String host, int port, long bytes, long seed) throws IOException, InterruptedException {
        Socket s = connect(host, port);
        try (s; OutputStream out = s.getOutputStream()) {
            MessageDigest sha = sha256();
            SplittableRandom random = new SplittableRandom(seed);
            byte[] buf = new byte[65536];
            long left = bytes;
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                for (int i = 0; i < n; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        buf[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                left -= n;
            }
            s.shutdownOutput();
            s.getInputStream().read(); // wait for the receiver to close: everything arrived
            System.out.println("bytes=" + bytes + " sha256=" + HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** Connects, retrying for up to ten seconds while the sink is not listening yet. */
    private static Socket connect(String host, int port) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), 5000);
                return s;
            } catch (IOException e) {
                s.close();
                if (attempt >= 100) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- UDP ----

    private static void udpEcho(int port) throws IOException {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress("::", port));
            System.out.println("listening");
            System.out.flush();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (true) {
                buf.clear();
                var from = ch.receive(buf);
                buf.flip();
                ch.send(buf, from);
            }
        }
    }

    private static void udpCheck(String host, int port, int count, long seed) throws IOException {
        int[] sizes = {1, 4, 63, 100, 511, 1000, 1280, 1364, 1372, 1392, 1393, 1400, 1472, 1500, 2000, 4000, 8000};
        SplittableRandom random = new SplittableRandom(seed);
        int ok = 0;
        int corrupt = 0;
        int lost = 0;
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.connect(new InetSocketAddress(host, port));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(65536);
            for (int i = 0; i < count; i++) {
                int size = Math.max(4, i < sizes.length ? sizes[i] : sizes[random.nextInt(sizes.length)]);
                byte[] msg = new byte[size];
                random.nextBytes(msg);
                ByteBuffer.wrap(msg).putInt(i);
                boolean answered = false;
                for (int attempt = 0; attempt < 6 && !answered; attempt++) {
                    try {
                        ch.write(ByteBuffer.wrap(msg));
                    } catch (PortUnreachableException e) {
                        // the echo server is not up yet: retry
                    }
                    long deadline = System.nanoTime() + 500_000_000L;
                    while (!answered && System.nanoTime() < deadline) {
                        sel.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                        sel.selectedKeys().clear();
                        while (true) {
                            in.clear();
                            int n;
                            try {
                                n = ch.read(in);
                            } catch (PortUnreachableException e) {
                                break;
                            }
                            if (n <= 0) {
                                break;
                            }
                            if (n >= 4 && in.getInt(0) == i) {
                                answered = true;
                                if (n == size && Arrays.equals(in.array(), 0, n, msg, 0, size)) {
                                    ok++;
                                } else {
                                    corrupt++;
                                }
                                break;
                            }
                        }
                    }
                }
                if (!answered) {
                    lost++;
                }
            }
        }
        System.out.println("ok=" + ok + " corrupt=" + corrupt + " lost=" + lost);
    }

    private static void udpHold(int port) throws IOException, InterruptedException {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress("::", port));
            System.out.println("listening");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private static void udpCount(int port, double seconds) throws IOException {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6); Selector sel = Selector.open()) {
            ch.bind(new InetSocketAddress("::", port));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            System.out.println("listening");
            System.out.flush();
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long n = 0;
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (System.nanoTime() < deadline) {
                sel.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                sel.selectedKeys().clear();
                buf.clear();
                while (ch.receive(buf) != null) {
                    n++;
                    buf.clear();
                }
            }
            System.out.println("datagrams=" + n);
        }
    }

    // ---- handshake flood ----

    static final int INITIATION_SIZE = 148;
    static final int MAC1_OFFSET = 116;
    static final int COOKIE_REPLY_SIZE = 64;

    /** BLAKE2s-256 of the parts (unkeyed). */
    static byte[] hash(byte[]... parts) {
        Blake2sDigest d = new Blake2sDigest(256);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    /** BLAKE2s-128 keyed with {@code key} over {@code len} bytes of {@code in}. */
    static byte[] mac(byte[] key, byte[] in, int len) {
        Blake2sDigest d = new Blake2sDigest(key, 16, null, null);
        d.update(in, 0, len);
        byte[] out = new byte[16];
        d.doFinal(out, 0);
        return out;
    }

    /**
     * A handshake initiation from a random sender index, ephemeral, static and timestamp (so nobody's), with
     * mac1 = MAC(HASH("mac1----" || responder public key), msg[0..116)) and mac2 zero.
     */
    static byte[] initiation(byte[] mac1Key, int sender, SplittableRandom random) {
        byte[] m = new byte[INITIATION_SIZE];
        random.nextBytes(m);
        ByteBuffer bb = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0, 1); // type 1, reserved zero
        bb.putInt(4, sender);
        System.arraycopy(mac(mac1Key, m, MAC1_OFFSET), 0, m, MAC1_OFFSET, 16);
        Arrays.fill(m, MAC1_OFFSET + 16, INITIATION_SIZE, (byte) 0);
        return m;
    }

    private static void flood(String host, int port, String pubkey, int rate, double seconds) throws Exception {
        byte[] responder = Base64.getDecoder().decode(pubkey);
        byte[] mac1Key = hash("mac1----".getBytes(StandardCharsets.US_ASCII), responder);
        SplittableRandom random = new SplittableRandom();
        int distinct = 4096;
        byte[][] packets = new byte[distinct][];
        var senders = ConcurrentHashMap.<Integer>newKeySet();
        for (int i = 0; i < distinct; i++) {
            int sender = random.nextInt();
            senders.add(sender);
            packets[i] = initiation(mac1Key, sender, random);
        }
        AtomicLong sent = new AtomicLong();
        AtomicLong cookies = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long start = System.nanoTime();
        Runnable report = () -> System.out.printf("t=%.1f sent=%d cookies=%d bad=%d other=%d%n",
                (System.nanoTime() - start) / 1e9, sent.get(), cookies.get(), bad.get(), other.get());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            report.run();
            System.out.flush();
        }));
        try (DatagramChannel ch = DatagramChannel.open(host.contains(":") ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET)) {
            ch.connect(new InetSocketAddress(host, port));
            Thread receiver = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
                while (true) {
                    buf.clear();
                    try {
                        ch.read(buf);
                    } catch (PortUnreachableException e) {
                        continue;
                    } catch (IOException e) {
                        return;
                    }
                    int n = buf.position();
                    if (n == COOKIE_REPLY_SIZE && buf.getInt(0) == 3) {
                        if (senders.contains(buf.getInt(4))) {
                            cookies.incrementAndGet();
                        } else {
                            bad.incrementAndGet();
                        }
                    } else {
                        other.incrementAndGet();
                    }
                }
            });
            int perBurst = Math.max(1, rate / 100);
            long end = start + (long) (seconds * 1e9);
            long nextReport = start + 500_000_000L;
            long next = start;
            int i = 0;
            while (System.nanoTime() < end) {
                for (int k = 0; k < perBurst; k++) {
                    try {
                        ch.write(ByteBuffer.wrap(packets[i++ & (distinct - 1)]));
                        sent.incrementAndGet();
                    } catch (PortUnreachableException e) {
                        // ICMP from an earlier datagram; keep going
                    }
                }
                next += 10_000_000L;
                long now = System.nanoTime();
                if (now >= nextReport) {
                    report.run();
                    nextReport += 500_000_000L;
                }
                if (next > now) {
                    Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
                }
            }
            Thread.sleep(500); // replies still in flight
            receiver.interrupt();
        }
        System.out.println("done");
        System.exit(0);
    }
}
