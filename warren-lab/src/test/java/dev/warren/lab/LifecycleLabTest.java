package dev.warren.lab;

import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves the daemon's life cycle as a process, as wg-quick and users rely on it: {@code bin/warren wg IFACE}
 * returns once the interface and socket exist, leaving a detached daemon; SIGTERM and SIGINT make it remove its
 * socket and interface and exit; deleting the link ({@code ip link del}) makes it exit and remove its socket;
 * a second daemon for a name already served — in the same namespace or in another one, since the socket
 * directory is shared — fails with a clear message and a non-zero status and leaves the first one working;
 * an invalid name ({@code a/b}, 16 characters, empty) fails clearly without leaving anything behind.
 */
@Tag("lab")
class LifecycleLabTest {

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    @Timeout(60)
    void aSignalRemovesSocketAndInterface(String signal) throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab")) {
            String ns = lab.add("s");
            String iface = lab.prefix() + "s";
            Impl.WARREN.start(lab, ns, iface, LabEnv.logDir(lab).resolve(iface + ".log"));
            long pid = Impl.WARREN.pid(ns, iface).orElseThrow();
            assertTrue(lab.tryExec(ns, Duration.ofSeconds(5), "ip", "link", "show", iface).ok(), "link exists");

            String ignored = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("SigIgn:")).findFirst().orElse("?");
            Netns.run("kill", "-" + signal, Long.toString(pid));
            assertTrue(LabEnv.eventually(Duration.ofSeconds(10), () -> !Impl.alive(pid)), "daemon exits on SIG" + signal
                    + " (its signal dispositions before the kill: " + ignored.replaceAll("\\s+", " ")
                    + "; bit 1 = SIGINT ignored)");
            assertFalse(Files.exists(Impl.socket(iface)), "socket removed on SIG" + signal);
            assertFalse(lab.tryExec(ns, Duration.ofSeconds(5), "ip", "link", "show", iface).ok(),
                    "interface removed on SIG" + signal);
        }
    }

    @Test
    @Timeout(60)
    void deletingTheLinkStopsTheDaemon() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab")) {
            String ns = lab.add("l");
            String iface = lab.prefix() + "l";
            Impl.WARREN.start(lab, ns, iface, LabEnv.logDir(lab).resolve(iface + ".log"));
            long pid = Impl.WARREN.pid(ns, iface).orElseThrow();
            lab.exec(ns, "ip", "link", "set", iface, "up");
            lab.exec(ns, "ip", "link", "del", iface);
            assertTrue(LabEnv.eventually(Duration.ofSeconds(10), () -> !Impl.alive(pid)), "daemon exits");
            assertFalse(Files.exists(Impl.socket(iface)), "socket removed");
        }
    }

    @Test
    @Timeout(60)
    void aSecondDaemonForTheSameNameFailsAndLeavesTheFirstAlone() throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab")) {
            String ns = lab.add("d");
            String other = lab.add("e");
            Path logs = LabEnv.logDir(lab);
            String iface = lab.prefix() + "d";
            Impl.WARREN.start(lab, ns, iface, logs.resolve(iface + ".log"));
            long pid = Impl.WARREN.pid(ns, iface).orElseThrow();
            lab.exec(ns, "wg", "set", iface, "listen-port", "41000");

            for (String where : new String[] {ns, other}) {
                Netns.Result second = lab.tryExec(where, Duration.ofSeconds(60), "env",
                        "WARREN_LOG=" + logs.resolve("second.log"), LabEnv.WARREN.toString(), "wg", iface);
                System.out.println("second daemon in " + where + ": " + second);
                assertNotEquals(0, second.status(), "a second daemon for " + iface + " in " + where + " fails");
                assertTrue(second.output().contains(iface), "the message names the interface: " + second.output());
                assertTrue(second.output().matches("(?is).*(in use|already|exists|busy).*"),
                        "the message says why: " + second.output());
                assertTrue(Impl.alive(pid), "the first daemon still runs");
                // the launcher returns once the JVM reported the error; that JVM exits a moment later
                assertTrue(LabEnv.eventually(Duration.ofSeconds(5), () -> Impl.WARREN.pid(other, iface).isEmpty()
                        && Impl.WARREN.pid(ns, iface).equals(OptionalLong.of(pid))), "the failed daemon exited");
                assertEquals("41000", lab.exec(ns, "wg", "show", iface, "listen-port").strip(),
                        "the first daemon still answers on its socket");
                assertTrue(LabEnv.eventually(Duration.ofSeconds(5), () -> !lab.tryExec(other, Duration.ofSeconds(5),
                        "ip", "link", "show", iface).ok()), "no stray interface left in " + other);
            }
        }
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a/b", "abcdefghijklmnop", "..", "a b"})
    @Timeout(60)
    void anInvalidNameFailsClearly(String name) throws Exception {
        LabEnv.requireLab();
        try (Netns lab = new Netns("lab")) {
            String ns = lab.add("n");
            Netns.Result r = lab.tryExec(ns, Duration.ofSeconds(60), LabEnv.WARREN.toString(), "wg", name);
            System.out.println("warren wg \"" + name + "\": " + r);
            assertNotEquals(0, r.status(), "warren wg " + name + " fails");
            assertTrue(r.output().contains("invalid interface name") && r.output().contains(name),
                    "the message names the bad name: " + r.output());
            // the launcher returns as soon as the JVM reported the error; the JVM itself exits a moment later
            assertTrue(LabEnv.eventually(Duration.ofSeconds(5), () -> Netns.runResult(Duration.ofSeconds(5),
                    "ip", "netns", "pids", ns).output().isBlank()), "no daemon left running");
            assertEquals(1, lab.exec(ns, "ip", "-o", "link").lines().count(), "only lo in the namespace");
        }
    }
}
