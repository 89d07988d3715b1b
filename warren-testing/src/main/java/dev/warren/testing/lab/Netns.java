package dev.warren.testing.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A set of network namespaces made for one run: every name starts with a unique prefix, and {@link #close()}
 * kills the processes inside them and deletes them, also from a JVM shutdown hook, so a failed or interrupted
 * run leaves nothing behind. Traffic stays inside the namespaces this object created.
 */
public final class Netns implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final Thread hook;
    private volatile boolean closed;
    private int lanPorts; // guarded by this (attach is called from one test thread)

    /** @param tag a short word naming the user, e.g. "demo" or "lab" (the prefix is tag + 4 random hex digits) */
    public Netns(String tag) {
        byte[] r = new byte[2];
        RANDOM.nextBytes(r);
        this.prefix = "w" + tag + HexFormat.of().formatHex(r);
        this.hook = new Thread(this::cleanup, "netns-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The run's unique prefix; use it in interface names too (at most 15 characters in all). */
    public String prefix() {
        return prefix;
    }

    /**
     * Where each namespace's owner (the creating JVM's pid) is recorded, so a later run's clean-up
     * ({@code bin/test}) removes only namespaces whose owner is gone, never those of a run still going.
     */
    public static final java.nio.file.Path OWNERS = java.nio.file.Path.of("/run/warren-netns");

    /** Creates namespace {@code prefix-name} with loopback up, returns its full name. */
    public String add(String name) throws IOException {
        String ns = prefix + "-" + name;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        try {
            java.nio.file.Files.createDirectories(OWNERS);
            java.nio.file.Files.writeString(OWNERS.resolve(ns), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            // only a hint for clean-up of crashed runs
        }
        run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** Joins two namespaces with a veth pair and gives each end an address (CIDR) and brings it up. */
    public void veth(String nsA, String ifA, String addrA, String nsB, String ifB, String addrB) throws IOException {
        run("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", ifB, "netns", nsB);
        for (String[] e : new String[][] {{nsA, ifA, addrA}, {nsB, ifB, addrB}}) {
            if (e[2] != null) {
                run("ip", "-n", e[0], "addr", "add", e[2], "dev", e[1], "nodad");
            }
            run("ip", "-n", e[0], "link", "set", e[1], "up");
        }
    }

    /**
     * Makes a LAN: namespace {@code prefix-lan} holding an up bridge {@code br0}, to which {@link #attach} connects
     * other namespaces. Returns the LAN namespace's name.
     */
    public String lan() throws IOException {
        String ns = add("lan");
        run("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
        run("ip", "-n", ns, "link", "set", "br0", "up");
        return ns;
    }

    /**
     * Connects {@code ns} to the LAN made by {@link #lan}: a veth whose end in {@code ns} is {@code ifName} with
     * address {@code addr} (CIDR), whose other end is enslaved to the LAN's bridge.
     */
    public synchronized void attach(String lanNs, String ns, String ifName, String addr) throws IOException {
        String port = "p" + (lanPorts++);
        run("ip", "link", "add", ifName, "netns", ns, "type", "veth", "peer", port, "netns", lanNs);
        run("ip", "-n", lanNs, "link", "set", port, "master", "br0");
        run("ip", "-n", lanNs, "link", "set", port, "up");
        run("ip", "-n", ns, "addr", "add", addr, "dev", ifName, "nodad");
        run("ip", "-n", ns, "link", "set", ifName, "up");
    }

    /** Detaches {@code ns} from the LAN by deleting its veth (both ends go). */
    public void detach(String ns, String ifName) throws IOException {
        run("ip", "-n", ns, "link", "del", ifName);
    }

    /** Runs a command inside {@code ns}; returns its output, throwing with the output when it fails. */
    public String exec(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return run(full.toArray(String[]::new));
    }

    /** Like {@link #exec} but returns the exit status and output instead of throwing. */
    public Result tryExec(String ns, Duration timeout, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return runResult(timeout, full.toArray(String[]::new));
    }

    /** Output and exit status of a command. */
    public record Result(int status, String output) {
        public boolean ok() {
            return status == 0;
        }
    }

    /** Runs a command on the host; returns its output, throwing with the output when it fails. */
    public static String run(String... cmd) throws IOException {
        Result r = runResult(Duration.ofSeconds(60), cmd);
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.status + "): " + r.output.strip());
        }
        return r.output;
    }

    public static Result runResult(Duration timeout, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        // read concurrently so a full pipe never blocks the child
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            reader.join(1000);
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8);
            }
            return done ? new Result(p.exitValue(), text) : new Result(124, text + "\n(timed out after " + timeout + ")");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd));
        }
    }

    /** Whether a program is on the PATH. */
    public static boolean have(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private synchronized void cleanup() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : namespaces.reversed()) {
            try {
                Result pids = runResult(Duration.ofSeconds(5), "ip", "netns", "pids", ns);
                for (String pid : pids.output().strip().split("\\s+")) {
                    if (!pid.isEmpty()) {
                        runResult(Duration.ofSeconds(5), "kill", pid);
                    }
                }
                for (int i = 0; i < 50; i++) {
                    Result left = runResult(Duration.ofSeconds(5), "ip", "netns", "pids", ns);
                    if (left.output().isBlank()) {
                        break;
                    }
                    Thread.sleep(20);
                    if (i == 49) {
                        for (String pid : left.output().strip().split("\\s+")) {
                            runResult(Duration.ofSeconds(5), "kill", "-9", pid);
                        }
                    }
                }
                runResult(Duration.ofSeconds(10), "ip", "netns", "del", ns);
                java.nio.file.Files.deleteIfExists(OWNERS.resolve(ns));
            } catch (IOException | InterruptedException e) {
                System.err.println("netns cleanup of " + ns + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        cleanup();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}
