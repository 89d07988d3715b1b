package dev.warren.net.testing;

import dev.warren.net.linux.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace for lab tests, named {@code wnet-<run>-<suffix>} so parallel runs never collide, and
 * deleted on {@link #close()} (which also removes every interface inside it). {@link #inside} runs code on a
 * fresh platform thread that has {@code setns(2)}-ed into the namespace, so sockets and TUN devices created
 * there belong to it; the file descriptors keep working from any thread afterwards.
 */
public final class Netns implements AutoCloseable {
    /** Random per JVM run, shared by all namespaces of the run. */
    public static final String RUN = HexFormat.of().formatHex(SecureRandom.getSeed(3));
    private static final int CLONE_NEWNET = 0x40000000;
    private static final MethodHandle SETNS;

    static {
        Linker linker = Linker.nativeLinker();
        SETNS = linker.downcallHandle(linker.defaultLookup().find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    public final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** True when lab tests can run: root, a TUN device node, and the ip tool. */
    public static boolean available() {
        boolean ip = Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip"));
        return "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")) && ip;
    }

    public static Netns create(String suffix) throws IOException {
        String name = "wnet-" + RUN + "-" + suffix;
        run("ip", "netns", "add", name);
        Netns ns = new Netns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** Runs {@code ip -n NAME args...}. */
    public String ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** Runs a command inside the namespace and returns its output; fails on a non-zero exit. */
    public String exec(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** Starts a command inside the namespace without waiting. */
    public Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Runs {@code task} on a new platform thread inside this namespace. */
    public <T> T inside(Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("in-" + name).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = Libc.newCallState(arena);
                int fd = Libc.open(st, arena.allocateFrom("/var/run/netns/" + name), 0x80000, 0);
                if (fd < 0) {
                    throw new IOException("open netns " + name + ": errno " + Libc.errno(st));
                }
                int r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
                Libc.close(st, fd);
                if (r != 0) {
                    throw new IOException("setns " + name + " failed");
                }
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        } finally {
            t.join();
        }
    }

    @Override
    public void close() {
        try {
            run("ip", "netns", "del", name);
        } catch (IOException e) {
            System.err.println("could not delete netns " + name + ": " + e.getMessage());
        }
    }

    public static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
