package dev.warren.testing.nat;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link NatLab} for shell scripts (the NAT benchmark): builds a detached lab that outlives this JVM, then
 * operates on it through its state file. Run as root with {@code warren-testing/target/classes} on the class path.
 *
 * <pre>
 * up    --prefix P [--dir D] [--owner PID] (--spec FILE | --pair KIND:KIND [--server NAME]...)
 * info  --prefix P [--dir D]              one line per node: server|router|host NAME NAMESPACE ...
 * exec  --prefix P [--dir D] NAME -- CMD...   runs CMD in NAME's namespace (its exit status is ours)
 * kind  --prefix P [--dir D] ROUTER KIND  changeKind (swaps the ruleset, flushes conntrack)
 * move  --prefix P [--dir D] HOST ROUTER  moveHost
 * link  --prefix P [--dir D] HOST up|down setLink
 * down  --prefix P [--dir D]              removes everything
 * </pre>
 *
 * <p>{@code --dir} defaults to {@code /run/warren-natlab/P}. {@code --pair A:B} makes routers {@code r1} (kind A)
 * and {@code r2} (kind B) with host {@code a} behind r1 and {@code b} behind r2. A spec file has one record a
 * line — {@code server NAME}, {@code router NAME KIND}, {@code host NAME ROUTER} — and {@code #} comments; a bad
 * line is an error naming the file and line. {@code --owner} is the pid recorded as the namespaces' owner (the
 * calling script's, so that {@code bin/test} removes the lab if the script dies without {@code down}; default:
 * this JVM's parent process).
 */
public final class NatLabMain {
    private NatLabMain() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args, System.out));
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("natlab: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args, PrintStream out) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: natlab up|info|exec|kind|move|link|down --prefix P ...");
        }
        String command = args[0];
        String prefix = null;
        Path dir = null;
        Path spec = null;
        Long owner = null;
        String pair = null;
        List<String> extraServers = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--prefix" -> prefix = value(args, ++i, a);
                case "--dir" -> dir = Path.of(value(args, ++i, a));
                case "--spec" -> spec = Path.of(value(args, ++i, a));
                case "--owner" -> owner = parseLong(value(args, ++i, a), a);
                case "--pair" -> pair = value(args, ++i, a);
                case "--server" -> extraServers.add(value(args, ++i, a));
                case "--" -> {
                    rest.addAll(Arrays.asList(args).subList(i, args.length));
                    i = args.length;
                }
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    rest.add(a);
                }
            }
        }
        if (prefix == null) {
            throw new IllegalArgumentException(command + ": --prefix is required");
        }
        if (dir == null) {
            dir = Path.of("/run/warren-natlab", prefix);
        }
        if (List.of("kind", "move", "link", "down").contains(command)) {
            // one state change at a time: two concurrent commands would each rewrite the state file from what
            // they read, and one change would be lost
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + " does not exist: no NAT lab was made with this work directory");
            }
            try (FileChannel lock = FileChannel.open(dir.resolve("natlab.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = lock.lock()) {
                return change(command, dir, rest, out);
            }
        }
        switch (command) {
            case "up" -> {
                NatLab.Builder b = NatLab.builder().prefix(prefix).workDir(dir).detached();
                // default owner: the calling shell (this JVM exits at once, and bin/test would reap its labs)
                b.owner(owner != null ? owner : ProcessHandle.current().parent().map(ProcessHandle::pid)
                        .orElse(ProcessHandle.current().pid()));
                if ((spec == null) == (pair == null)) {
                    throw new IllegalArgumentException("up: give exactly one of --spec FILE and --pair KIND:KIND");
                }
                if (spec != null) {
                    readSpec(spec, b);
                } else {
                    String[] kinds = pair.split(":");
                    if (kinds.length != 2) {
                        throw new IllegalArgumentException("--pair " + pair + ": expected KIND:KIND, e.g. easy:hard");
                    }
                    b.router("r1", NatKind.parse(kinds[0])).router("r2", NatKind.parse(kinds[1]))
                            .host("a", "r1").host("b", "r2");
                }
                extraServers.forEach(b::server);
                if (Files.exists(dir.resolve(NatLab.STATE_FILE))) {
                    throw new IllegalArgumentException("up: a lab already lives in " + dir + " (run down first)");
                }
                info(b.build(), out);
                return 0;
            }
            case "info" -> {
                info(NatLab.open(dir), out);
                return 0;
            }
            case "exec" -> {
                int dash = rest.indexOf("--");
                if (dash != 1 || rest.size() < 3) {
                    throw new IllegalArgumentException("exec: expected NAME -- CMD...");
                }
                NatLab lab = NatLab.open(dir);
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.namespace(rest.get(0))));
                cmd.addAll(rest.subList(2, rest.size()));
                try {
                    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 130;
                }
            }
            default -> throw new IllegalArgumentException("unknown command '" + command
                    + "' (expected up, info, exec, kind, move, link or down)");
        }
    }

    private static int change(String command, Path dir, List<String> rest, PrintStream out) throws IOException {
        switch (command) {
            case "kind" -> {
                args(rest, 2, "kind ROUTER KIND");
                NatLab.open(dir).changeKind(rest.get(0), NatKind.parse(rest.get(1)));
                return 0;
            }
            case "move" -> {
                args(rest, 2, "move HOST ROUTER");
                NatLab.Host h = NatLab.open(dir).moveHost(rest.get(0), rest.get(1));
                out.println(h.address());
                return 0;
            }
            case "link" -> {
                args(rest, 2, "link HOST up|down");
                if (!rest.get(1).equals("up") && !rest.get(1).equals("down")) {
                    throw new IllegalArgumentException("link: expected up or down, got '" + rest.get(1) + "'");
                }
                NatLab.open(dir).setLink(rest.get(0), rest.get(1).equals("up"));
                return 0;
            }
            case "down" -> {
                NatLab.open(dir).close();
                return 0;
            }
            default -> throw new IllegalStateException(command);
        }
    }

    /** Adds the records of a spec file to {@code b}; a bad line is an error naming the file and line. */
    static void readSpec(Path spec, NatLab.Builder b) throws IOException {
        readSpec(spec.toString(), Files.readAllLines(spec, StandardCharsets.UTF_8), b);
    }

    /** Adds the records of a spec's {@code lines} to {@code b}; {@code spec} names the file in errors. */
    static void readSpec(String spec, List<String> lines, NatLab.Builder b) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String[] f = (hash >= 0 ? line.substring(0, hash) : line).strip().split("\\s+");
            if (f[0].isEmpty()) {
                continue;
            }
            try {
                switch (f[0]) {
                    case "server" -> {
                        fields(f, 2);
                        NatLab.checkName(f[1]);
                        b.server(f[1]);
                    }
                    case "router" -> {
                        fields(f, 3);
                        NatLab.checkName(f[1]);
                        b.router(f[1], NatKind.parse(f[2]));
                    }
                    case "host" -> {
                        fields(f, 3);
                        NatLab.checkName(f[1]);
                        b.host(f[1], f[2]);
                    }
                    default -> throw new IllegalArgumentException("unknown record '" + f[0]
                            + "' (expected server, router or host)");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(spec + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
    }

    private static void fields(String[] f, int n) {
        if (f.length != n) {
            throw new IllegalArgumentException("'" + f[0] + "' takes " + (n - 1) + " field(s), got " + (f.length - 1));
        }
    }

    private static void args(List<String> rest, int n, String usage) {
        if (rest.size() != n) {
            throw new IllegalArgumentException("expected " + usage);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long parseLong(String s, String option) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number: '" + s + "'");
        }
    }

    /** One line per node, fields separated by single spaces, for {@code awk}. */
    static void info(NatLab lab, PrintStream out) {
        out.println("prefix " + lab.prefix() + " " + lab.workDir() + File.separator);
        for (NatLab.Server s : lab.servers()) {
            out.println("server " + s.name() + " " + s.namespace() + " " + s.address());
        }
        for (NatLab.Router r : lab.routers()) {
            out.println("router " + r.name() + " " + r.namespace() + " " + r.kind().label() + " " + r.wanAddress()
                    + " " + r.lanGateway());
        }
        for (NatLab.Host h : lab.hosts()) {
            out.println("host " + h.name() + " " + h.namespace() + " " + h.router() + " " + h.address());
        }
    }
}
