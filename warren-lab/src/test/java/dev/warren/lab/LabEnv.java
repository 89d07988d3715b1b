package dev.warren.lab;

import dev.warren.testing.lab.Netns;
import org.bouncycastle.crypto.digests.Blake2sDigest;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the lab finds things and how it runs them: the worktree's {@code bin/warren} (never rebuilt from here:
 * a missing jar is an error that says how to build it), the reference tools, a log directory kept after the run
 * for diagnosis, background processes inside a namespace, and {@link LabTool} launched in a namespace as its
 * own JVM. Every lab test calls {@link #requireLab()} first: without root or {@code /dev/net/tun} the test is
 * skipped, and a missing tool is a failure that names the Debian package.
 */
final class LabEnv {
    /** The worktree: the directory holding {@code bin/warren}. */
    static final Path ROOT = findRoot();
    static final Path WARREN = ROOT.resolve("bin/warren");
    static final Path WARREN_WG = ROOT.resolve("bin/warren-wg");
    static final Path JAR = ROOT.resolve("warren-cli/target/warren.jar");
    /** Daemon and tool logs of every run, kept for diagnosis: {@code warren-lab/target/lab-logs/PREFIX/}. */
    static final Path LOGS = ROOT.resolve("warren-lab/target/lab-logs");

    private static volatile boolean warmedUp;

    private LabEnv() {
    }

    private static Path findRoot() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/warren"))) {
                return p;
            }
        }
        return dir;
    }

    /**
     * Skips the test unless this is a root shell with {@code /dev/net/tun}; fails when a tool or the jar is
     * missing. The first call also runs {@code bin/warren version} once so that the launcher's start-up cache
     * is made before any timing-sensitive step.
     */
    static synchronized void requireLab() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")) && new File("/dev/net/tun").exists(),
                "the network-namespace lab needs root and /dev/net/tun");
        String[][] tools = {{"ip", "iproute2"}, {"wg", "wireguard-tools"}, {"wg-quick", "wireguard-tools"},
                {"wireguard-go", "wireguard-go"}, {"iperf3", "iperf3"}, {"ping", "iputils-ping"}};
        for (String[] t : tools) {
            if (!Netns.have(t[0])) {
                fail(t[0] + " is missing: apt-get install " + t[1] + " (bin/test installs it)");
            }
        }
        if (!Files.isRegularFile(JAR)) {
            fail(JAR + " is missing: build it first with `mvn -o -q -B -DskipTests package` in " + ROOT
                    + " (the lab does not build, so that it never installs into a shared ~/.m2)");
        }
        if (!warmedUp) {
            Netns.Result r = Netns.runResult(Duration.ofSeconds(120), WARREN.toString(), "version");
            if (!r.ok()) {
                fail("bin/warren version failed: " + r.output());
            }
            warmedUp = true;
        }
    }

    /** A fresh log directory for one {@link Netns} run. */
    static Path logDir(Netns lab) throws IOException {
        return Files.createDirectories(LOGS.resolve(lab.prefix()));
    }

    /**
     * Starts {@code cmd} inside {@code ns} in the background, standard output and error appended to {@code log}.
     * {@code ip netns exec} execs the command, so the returned process is the command itself: destroying it
     * sends the command SIGTERM. The namespace's cleanup kills it anyway.
     */
    static Process spawn(String ns, Path log, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** Stops a background process (SIGTERM, then SIGKILL after {@code grace}); returns its exit status. */
    static int stop(Process p, Duration grace) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        return p.exitValue();
    }

    /** The command line that runs {@link LabTool} with {@code args} in its own JVM (the test's JDK). */
    static String[] tool(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", location(LabTool.class) + File.pathSeparator + location(Blake2sDigest.class),
                LabTool.class.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a log file, or "" if it does not exist yet. */
    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** A condition that may run commands. */
    @FunctionalInterface
    interface Check {
        boolean holds() throws IOException;
    }

    /** Polls {@code check} every 50 ms until it holds; false when {@code timeout} passed first. */
    static boolean eventually(Duration timeout, Check check) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.holds()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(50);
        }
    }
}
