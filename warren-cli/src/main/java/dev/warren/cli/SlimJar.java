package dev.warren.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * Makes {@code warren-wg.jar}, the slim jar {@code bin/warren wg IFACE} runs, from the full jar: only the classes
 * the {@code warren wg} daemon (and its training run, {@code selftest}) can reach from {@link WgMain}.
 *
 * <pre>
 * 1. start from WgMain and the logger finder the JDK looks up by service
 * 2. for each class reached, read every string in its constant pool: class names, descriptors, and dotted
 *    names (Class.forName arguments); each that names a class in the full jar is reached too
 * 3. write those classes (and their multi-release variants), their packages' resources, a manifest whose
 *    Main-Class is WgMain, and a services file naming only Warren's logger finder
 * </pre>
 *
 * <p>Why (ADR 0020): a JVM reads a jar's whole central directory before {@code main}. The full jar has ~16,000
 * entries (Jetty, Jackson, PostgreSQL, Flyway, BouncyCastle's provider, …), which cost ~20 ms of the daemon's
 * start-up and ~2 MB of its memory; the slim one has a tenth of that. Reading constant pools over-approximates
 * what can be loaded (a string that looks like a class name is kept too), which is the safe side; reflection
 * by computed names is the one thing it cannot see, and the wg lab tests run the slim jar.
 *
 * <p>Run by the launcher after each build: {@code java -cp warren.jar dev.warren.cli.SlimJar FULL OUT}.
 */
public final class SlimJar {
    static final String MAIN = "dev/warren/cli/WgMain";
    static final String LOGGER_FINDER = "dev/warren/cli/StderrLoggerFinder";
    private static final String VERSIONS = "META-INF/versions/";

    private SlimJar() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SlimJar FULL.jar OUT.jar");
            System.exit(2);
        }
        Path full = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int n = write(full, out);
        System.err.println("warren: wrote " + out.getFileName() + " (" + n + " classes)");
    }

    /** Writes the slim jar for {@code full} to {@code out} (atomically); returns the number of classes in it. */
    static int write(Path full, Path out) throws IOException {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try (JarFile jar = new JarFile(full.toFile(), false)) {
            Set<String> versions = new TreeSet<>();
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                int end = name.indexOf('/', VERSIONS.length());
                if (name.startsWith(VERSIONS) && end > 0) {
                    versions.add(name.substring(0, end + 1));
                }
            }
            Set<String> classes = closure(name -> read(jar, versions, name), List.of(MAIN, LOGGER_FINDER));
            Set<String> packages = new HashSet<>();
            for (String c : classes) {
                packages.add(c.substring(0, Math.max(0, c.lastIndexOf('/') + 1)));
            }
            Manifest manifest = new Manifest(jar.getManifest());
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, MAIN.replace('/', '.'));
            try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(tmp), manifest)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    String name = entry.getName();
                    if (!entry.isDirectory() && keep(name, classes, packages)) {
                        o.putNextEntry(new ZipEntry(name));
                        try (InputStream in = jar.getInputStream(entry)) {
                            in.transferTo(o);
                        }
                        o.closeEntry();
                    }
                }
                o.putNextEntry(new ZipEntry("META-INF/services/java.lang.System$LoggerFinder"));
                o.write((LOGGER_FINDER.replace('/', '.') + "\n").getBytes(StandardCharsets.UTF_8));
                o.closeEntry();
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return classes.size();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean keep(String name, Set<String> classes, Set<String> packages) {
        String path = name.startsWith(VERSIONS) ? name.substring(name.indexOf('/', VERSIONS.length()) + 1) : name;
        if (path.endsWith(".class")) {
            return classes.contains(path.substring(0, path.length() - ".class".length()));
        }
        if (name.startsWith("META-INF/")) {
            return false; // the manifest and services file are written anew; signatures and licences stay out
        }
        return packages.contains(path.substring(0, path.lastIndexOf('/') + 1));
    }

    /**
     * The internal names of the classes reachable from {@code roots}: {@code classFiles} returns a class's
     * class files (the plain one and any multi-release variants), or an empty list when the name is not a
     * class of the jar.
     */
    static Set<String> closure(Function<String, List<byte[]>> classFiles, List<String> roots) {
        Set<String> seen = new TreeSet<>();
        Set<String> absent = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String r : roots) {
            if (classFiles.apply(r).isEmpty()) {
                throw new IllegalArgumentException("root class " + r + " is not in the jar");
            }
            seen.add(r);
            todo.add(r);
        }
        while (!todo.isEmpty()) {
            for (byte[] classFile : classFiles.apply(todo.poll())) {
                for (String ref : references(classFile)) {
                    if (!seen.contains(ref) && !absent.contains(ref)) {
                        if (classFiles.apply(ref).isEmpty()) {
                            absent.add(ref);
                        } else {
                            seen.add(ref);
                            todo.add(ref);
                        }
                    }
                }
            }
        }
        return seen;
    }

    /** Every string in the class file's constant pool that could name a class, in internal form. */
    static List<String> references(byte[] classFile) {
        List<String> out = new ArrayList<>();
        for (PoolEntry e : ClassFile.of().parse(classFile).constantPool()) {
            if (e instanceof Utf8Entry u) {
                for (String token : u.stringValue().split("[^A-Za-z0-9_$/.\\[]+")) {
                    String t = token;
                    while (t.startsWith("[")) {
                        t = t.substring(1);
                    }
                    if (t.isEmpty()) {
                        continue;
                    }
                    out.add(t.replace('.', '/'));
                    if (t.length() > 1 && t.charAt(0) == 'L') {
                        out.add(t.substring(1).replace('.', '/')); // a descriptor's "Lname"
                    }
                }
            }
        }
        return out;
    }

    /** The class's class files in the jar: the plain one and its multi-release variants (none if absent). */
    private static List<byte[]> read(JarFile jar, Set<String> versionDirs, String internalName) {
        List<byte[]> out = new ArrayList<>();
        ZipEntry plain = jar.getEntry(internalName + ".class");
        if (plain == null) {
            return out;
        }
        out.add(bytes(jar, plain));
        for (String dir : versionDirs) {
            ZipEntry v = jar.getEntry(dir + internalName + ".class");
            if (v != null) {
                out.add(bytes(jar, v));
            }
        }
        return out;
    }

    private static byte[] bytes(JarFile jar, ZipEntry e) {
        try (InputStream in = jar.getInputStream(e)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw new IllegalStateException("cannot read " + e.getName() + " from " + jar.getName(), ex);
        }
    }
}
