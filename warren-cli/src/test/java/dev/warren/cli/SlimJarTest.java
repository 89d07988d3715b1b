package dev.warren.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slim jar's class closure, computed over this module's test class path as over the full jar. */
class SlimJarTest {
    @TempDir
    Path tmp;

    /** A class's bytes from the class path, for Warren's and its libraries' classes (the JDK's stay out). */
    private static List<byte[]> classFiles(String internalName) {
        if (internalName.startsWith("java/") || internalName.startsWith("jdk/") || internalName.startsWith("sun/")) {
            return List.of();
        }
        try (InputStream in = SlimJarTest.class.getClassLoader().getResourceAsStream(internalName + ".class")) {
            return in == null ? List.of() : List.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theWgDaemonsClosureHasTheEngineAndNoneOfTheRest() {
        Set<String> c = SlimJar.closure(SlimJarTest::classFiles, List.of(SlimJar.MAIN, SlimJar.LOGGER_FINDER));
        for (String needed : List.of("dev/warren/cli/WgCommand", "dev/warren/cli/SelfTestCommand",
                "dev/warren/cli/Warmup", "dev/warren/wireguard/Device", "dev/warren/wireguard/uapi/UapiServer",
                "dev/warren/net/tun/LinuxTun", "dev/warren/net/udp/Binds", "dev/warren/crypto/X25519",
                "dev/warren/crypto/SodiumAead", "dev/warren/crypto/BcAead", "dev/warren/crypto/JcaAead",
                "org/bouncycastle/math/ec/rfc7748/X25519", "org/bouncycastle/crypto/digests/Blake2sDigest",
                "picocli/CommandLine")) {
            assertTrue(c.contains(needed), needed + " is reachable from WgMain");
        }
        // WgMain must not reach the full command tree: that would pull in the control server, the node and
        // every library, and the slim jar would be the full one again.
        for (String c2 : c) {
            assertFalse(c2.equals("dev/warren/cli/Main") || c2.startsWith("dev/warren/control/")
                    || c2.startsWith("dev/warren/node/") || c2.startsWith("dev/warren/relay/")
                    || c2.startsWith("com/fasterxml/") || c2.startsWith("org/eclipse/jetty/")
                    || c2.startsWith("io/javalin/"), c2 + " should not be reachable from WgMain");
        }
        assertTrue(c.size() < 2_000, "closure of " + c.size() + " classes");
    }

    @Test
    void referencesFindClassLiteralsDescriptorsAndDottedNames() {
        List<String> refs = SlimJar.references(classFiles("dev/warren/cli/SlimJarTest$Probe").getFirst());
        assertTrue(refs.contains("dev/warren/cli/StartupTrace"), "a Class.forName argument");
        assertTrue(refs.contains("dev/warren/cli/WgCommand"), "a field's descriptor");
        assertTrue(refs.contains("dev/warren/cli/Warmup"), "an array's element type");
    }

    @SuppressWarnings("unused")
    static final class Probe {
        WgCommand command;
        Warmup[][] warmups;

        Class<?> load() throws ClassNotFoundException {
            return Class.forName("dev.warren.cli.StartupTrace");
        }
    }

    @Test
    void writesTheClosureItsPackagesResourcesAndANewManifest() throws IOException {
        Path full = tmp.resolve("full.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        m.getMainAttributes().putValue("Main-Class", "dev.warren.cli.Main");
        m.getMainAttributes().putValue("Multi-Release", "true");
        Set<String> all = SlimJar.closure(SlimJarTest::classFiles, List.of(SlimJar.MAIN, SlimJar.LOGGER_FINDER));
        try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(full), m)) {
            for (String c : all) {
                put(o, c + ".class", classFiles(c).getFirst());
            }
            put(o, "dev/warren/cli/Main.class", classFiles("dev/warren/cli/Main").getFirst());
            put(o, "META-INF/versions/21/dev/warren/cli/WgMain.class", classFiles(SlimJar.MAIN).getFirst());
            put(o, "dev/warren/cli/notes.txt", "kept: a resource of a kept package".getBytes());
            put(o, "dev/warren/control/schema.sql", "left out".getBytes());
            put(o, "META-INF/services/java.sql.Driver", "org.postgresql.Driver".getBytes());
        }
        Path slim = tmp.resolve("slim.jar");
        assertEquals(all.size(), SlimJar.write(full, slim));
        try (JarFile j = new JarFile(slim.toFile())) {
            assertEquals("dev.warren.cli.WgMain", j.getManifest().getMainAttributes().getValue("Main-Class"));
            assertEquals("true", j.getManifest().getMainAttributes().getValue("Multi-Release"));
            assertNotNull(j.getEntry("dev/warren/cli/WgCommand.class"));
            assertNotNull(j.getEntry("META-INF/versions/21/dev/warren/cli/WgMain.class"));
            assertNotNull(j.getEntry("dev/warren/cli/notes.txt"));
            assertNull(j.getEntry("dev/warren/cli/Main.class"));
            assertNull(j.getEntry("dev/warren/control/schema.sql"));
            assertNull(j.getEntry("META-INF/services/java.sql.Driver"));
            assertEquals("dev.warren.cli.StderrLoggerFinder\n",
                    new String(j.getInputStream(j.getEntry("META-INF/services/java.lang.System$LoggerFinder"))
                            .readAllBytes()));
        }
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count(), "no temporary file left");
        }
    }

    private static void put(JarOutputStream o, String name, byte[] bytes) throws IOException {
        o.putNextEntry(new ZipEntry(name));
        o.write(bytes);
        o.closeEntry();
    }
}
