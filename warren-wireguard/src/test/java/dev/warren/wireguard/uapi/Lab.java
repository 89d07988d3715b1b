package dev.warren.wireguard.uapi;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Helpers for the {@code lab} tests: running the real {@code wg} and wireguard-go. */
final class Lab {
    static final Path RUN_DIR = Path.of("/var/run/wireguard");

    private Lab() {
    }

    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + ": " + err + out);
            }
            return this;
        }
    }

    /** Skips the test unless running as root with the named programs on the PATH. */
    static void assume(String... programs) {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "lab tests need root");
        for (String p : programs) {
            Assumptions.assumeTrue(onPath(p), p + " is not installed");
        }
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** A fresh name with the given prefix; interface names stay under IFNAMSIZ (15 characters). */
    static String uniqueName(String prefix) {
        return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    }

    static Result runWithInput(String stdin, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        // Outputs here are small; read them after exit (bounded by the pipe buffer, 64 KiB).
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return runWithInput(null, command);
    }

    /** Waits up to 10 s for a path to appear. */
    static void awaitFile(Path p) throws InterruptedException {
        for (int i = 0; i < 200 && !Files.exists(p); i++) {
            Thread.sleep(50);
        }
        if (!Files.exists(p)) {
            throw new AssertionError(p + " did not appear");
        }
    }
}
