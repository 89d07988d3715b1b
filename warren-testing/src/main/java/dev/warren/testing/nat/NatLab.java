package dev.warren.testing.nat;

import dev.warren.testing.lab.Netns;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A NAT lab: an "internet" of network namespaces with servers on it, NAT routers on it, and hosts behind the
 * routers, built from real kernel networking (veth, bridges, nftables, conntrack) so that real programs — Warren
 * nodes, relays, Nebula — run in it unchanged. Nothing it makes can reach outside its own namespaces.
 *
 * <pre>
 *   namespace P-inet: bridge br0 203.0.113.254/24 — the internet's only router (routes each LAN to its router)
 *     ├─ server i   (namespace P-NAME): eth0 203.0.113.(1+i)/24, default via .254
 *     └─ router n   (namespace P-NAME): wan 203.0.113.(100+n)/24, default via .254,
 *          bridge lan 10.n.0.1/24, nftables table "ip natlab" per {@link NatKind}
 *            └─ host (namespace P-NAME): eth0 10.n.0.(10+k)/24, default via 10.n.0.1
 * </pre>
 *
 * <p>Routers are stateful firewalls (except {@link NatKind#NONE}): a packet from the WAN is forwarded only when
 * it belongs to a connection the LAN started or to a port mapping (DNAT); the internet routes every LAN's
 * {@code 10.n.0.0/24} to its router, so without that rule a NATed host would be reachable by its private address.
 * Unsolicited packets to the router itself are dropped too (only ping is answered), which keeps a peer's early
 * hole punch from spoiling the LAN host's mapping (see {@link #ruleset}).
 * The ruleset per kind is {@link #ruleset}; {@link #changeKind} swaps it atomically and flushes the router's
 * conntrack table, so the next packet of every flow is mapped afresh.
 *
 * <p>Names: every namespace is {@code PREFIX-NAME}, the prefix unique per run ({@code wnat} + 4 hex digits by
 * default, so {@code bin/test} finds leftovers); each namespace's owner pid is recorded under {@link
 * Netns#OWNERS} like {@link Netns} does. {@link #close()} stops the processes the lab started and deletes every
 * namespace, also from a JVM shutdown hook, also after failures. A lab built for shell scripts ({@link
 * Builder#detached()}) has no hook: its state lives in {@code workDir/natlab.state}, {@link #open} reads it back
 * and {@link #close()} removes it.
 *
 * <p>Threads: all methods may be called from any thread; topology changes are serialised on {@code this}.
 */
public final class NatLab implements AutoCloseable {
    /** The internet's subnet, its router's address, and where servers and router WANs get their addresses. */
    public static final String INTERNET_SUBNET = "203.0.113.0/24";
    public static final String INTERNET_GATEWAY = "203.0.113.254";
    /** The port miniupnpd's UPnP IGD HTTP server listens on (LAN side of a {@link NatKind#UPNP} router). */
    public static final int UPNP_HTTP_PORT = 5000;
    /** The port of the internet router's STUN responder, which miniupnpd's start-up check asks. */
    public static final int STUN_PORT = 3478;
    /** The file, in the work directory, that records a detached lab's topology. */
    public static final String STATE_FILE = "natlab.state";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,7}");
    private static final Pattern PREFIX = Pattern.compile("wnat[a-z0-9]{1,6}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private static final String INET = "inet";
    private static final Duration CMD = Duration.ofSeconds(30);

    private final String prefix;
    private final Path dir;
    private final long owner;
    private final Thread hook; // null for a detached lab
    private final Map<String, Server> servers = new LinkedHashMap<>(); // guarded by this
    private final Map<String, Router> routers = new LinkedHashMap<>(); // guarded by this
    private final Map<String, Integer> nextHost = new LinkedHashMap<>(); // router → next host number; guarded by this
    private final Map<String, Host> hosts = new LinkedHashMap<>(); // guarded by this
    private final List<String> namespaces = new ArrayList<>(); // creation order; guarded by this
    private final List<Background> processes = new ArrayList<>(); // guarded by this
    private boolean closed; // guarded by this

    /** A server on the internet. */
    public record Server(String name, String namespace, String address) {
    }

    /** A router: {@code wanAddress} on the internet, {@code lanGateway} on its LAN {@code lanSubnet}. */
    public record Router(String name, String namespace, int index, String wanAddress, String lanGateway,
                         String lanSubnet, NatKind kind) {
    }

    /** A host on router {@code router}'s LAN at {@code address} (its interface is {@code eth0}). */
    public record Host(String name, String namespace, String router, String address) {
    }

    private NatLab(String prefix, Path dir, long owner, boolean detached) {
        this.prefix = prefix;
        this.dir = dir;
        this.owner = owner;
        this.hook = detached ? null : new Thread(this::destroy, "natlab-cleanup");
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Describes a topology; {@link #build()} makes it. */
    public static final class Builder {
        private String prefix;
        private Path workRoot = Path.of(System.getProperty("java.io.tmpdir"), "warren-natlab");
        private Path workDir;
        private long owner = ProcessHandle.current().pid();
        private boolean detached;
        private final List<String> servers = new ArrayList<>();
        private final List<RouterDecl> routers = new ArrayList<>();
        private final List<HostDecl> hosts = new ArrayList<>();

        private Builder() {
        }

        /** The namespace prefix: {@code wnat} and 1–6 lower-case letters or digits (default: 4 random hex). */
        public Builder prefix(String p) {
            if (!PREFIX.matcher(p).matches()) {
                throw new IllegalArgumentException("bad prefix '" + p + "': must be 'wnat' followed by 1 to 6 "
                        + "lower-case letters or digits (bin/test cleans up leftovers by that prefix)");
            }
            this.prefix = p;
            return this;
        }

        /** The work directory (logs, rulesets, daemon configs) is {@code root/PREFIX}. */
        public Builder workRoot(Path root) {
            this.workRoot = root;
            return this;
        }

        /** The work directory itself (overrides {@link #workRoot}). */
        public Builder workDir(Path d) {
            this.workDir = d;
            return this;
        }

        /** The pid recorded as the namespaces' owner (default: this JVM); {@code bin/test} cleans up when it dies. */
        public Builder owner(long pid) {
            this.owner = pid;
            return this;
        }

        /** No shutdown hook: the lab outlives this JVM (for {@link NatLabMain}); {@link #close()} removes it. */
        public Builder detached() {
            this.detached = true;
            return this;
        }

        public Builder server(String name) {
            servers.add(name);
            return this;
        }

        public Builder router(String name, NatKind kind) {
            routers.add(new RouterDecl(name, kind));
            return this;
        }

        /** A host on {@code router}'s LAN (routers may be declared after their hosts). */
        public Builder host(String name, String router) {
            hosts.add(new HostDecl(name, router));
            return this;
        }

        /** Makes the namespaces, links, addresses, routes and rulesets; on failure removes what it made. */
        public NatLab build() throws IOException {
            String p = prefix != null ? prefix : "wnat" + HexFormat.of().formatHex(randomBytes(2));
            validate();
            Path d = Files.createDirectories(workDir != null ? workDir : workRoot.resolve(p));
            NatLab lab = new NatLab(p, d, owner, detached);
            try {
                lab.make(servers, routers, hosts);
                return lab;
            } catch (IOException | RuntimeException e) {
                lab.close();
                throw e;
            }
        }

        private void validate() {
            List<String> names = new ArrayList<>();
            names.addAll(servers);
            routers.forEach(r -> names.add(r.name()));
            hosts.forEach(h -> names.add(h.name()));
            for (String n : names) {
                checkName(n);
                if (names.indexOf(n) != names.lastIndexOf(n)) {
                    throw new IllegalArgumentException("name '" + n + "' is used twice (servers, routers and "
                            + "hosts share one name space)");
                }
            }
            for (HostDecl h : hosts) {
                if (routers.stream().noneMatch(r -> r.name().equals(h.router()))) {
                    throw new IllegalArgumentException("host '" + h.name() + "' is on router '" + h.router()
                            + "', which is not declared");
                }
            }
            if (servers.size() > 99 || routers.size() > 99) {
                throw new IllegalArgumentException("at most 99 servers and 99 routers");
            }
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static void checkName(String n) {
        if (!NAME.matcher(n).matches() || n.equals(INET)) {
            throw new IllegalArgumentException("bad name '" + n + "': 1 to 8 lower-case letters or digits, "
                    + "starting with a letter, not 'inet'");
        }
    }

    private record RouterDecl(String name, NatKind kind) {
    }

    private record HostDecl(String name, String router) {
    }

    private synchronized void make(List<String> srv, List<RouterDecl> rtr, List<HostDecl> hst) throws IOException {
        String inet = addNamespace(INET);
        ns(inet, "ip", "link", "add", "br0", "type", "bridge");
        ns(inet, "ip", "addr", "add", INTERNET_GATEWAY + "/24", "dev", "br0");
        ns(inet, "ip", "link", "set", "br0", "up");
        sysctl(inet, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0",
                "net.ipv4.conf.br0.send_redirects=0");
        int i = 1;
        for (String s : srv) {
            String ns = addNamespace(s);
            String addr = "203.0.113." + i++;
            plugInternet(ns, s, "eth0", addr);
            servers.put(s, new Server(s, ns, addr));
        }
        int n = 1;
        for (RouterDecl r : rtr) {
            String name = r.name();
            String ns = addNamespace(name);
            Router router = new Router(name, ns, n, "203.0.113." + (100 + n), "10." + n + ".0.1",
                    "10." + n + ".0.0/24", r.kind());
            n++;
            plugInternet(ns, name, "wan", router.wanAddress());
            ns(ns, "ip", "link", "add", "lan", "type", "bridge");
            ns(ns, "ip", "addr", "add", router.lanGateway() + "/24", "dev", "lan");
            ns(ns, "ip", "link", "set", "lan", "up");
            sysctl(ns, "net.ipv4.ip_forward=1");
            ns(inet, "ip", "route", "add", router.lanSubnet(), "via", router.wanAddress());
            routers.put(name, router);
            nextHost.put(name, 10);
            applyKind(router, null);
        }
        for (HostDecl h : hst) {
            String ns = addNamespace(h.name());
            Host host = new Host(h.name(), ns, h.router(), null);
            hosts.put(h.name(), plugLan(host, routers.get(h.router())));
        }
        save();
    }

    private String addNamespace(String name) throws IOException {
        String ns = prefix + "-" + name;
        Netns.run("ip", "netns", "add", ns);
        namespaces.add(ns);
        try {
            Files.createDirectories(Netns.OWNERS);
            Files.writeString(Netns.OWNERS.resolve(ns), owner + "\n");
        } catch (IOException e) {
            // only a hint for the clean-up of crashed runs
        }
        ns(ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Connects {@code ns} to the internet bridge as {@code ifName} with {@code addr}, default via the gateway. */
    private void plugInternet(String ns, String name, String ifName, String addr) throws IOException {
        String inet = prefix + "-" + INET;
        String port = "p" + name;
        Netns.run("ip", "link", "add", ifName, "netns", ns, "type", "veth", "peer", port, "netns", inet);
        ns(inet, "ip", "link", "set", port, "master", "br0");
        ns(inet, "ip", "link", "set", port, "up");
        ns(ns, "ip", "addr", "add", addr + "/24", "dev", ifName, "nodad");
        ns(ns, "ip", "link", "set", ifName, "up");
        ns(ns, "ip", "route", "add", "default", "via", INTERNET_GATEWAY);
    }

    /** Connects a host to a router's LAN with the router's next free address; returns the host's new record. */
    private Host plugLan(Host host, Router router) throws IOException {
        int k = nextHost.get(router.name());
        if (k > 250) {
            throw new IOException("router " + router.name() + " has no free LAN address left");
        }
        nextHost.put(router.name(), k + 1);
        String addr = "10." + router.index() + ".0." + k;
        String port = "h" + host.name();
        Netns.run("ip", "link", "add", "eth0", "netns", host.namespace(), "type", "veth", "peer", port, "netns",
                router.namespace());
        ns(router.namespace(), "ip", "link", "set", port, "master", "lan");
        ns(router.namespace(), "ip", "link", "set", port, "up");
        ns(host.namespace(), "ip", "addr", "add", addr + "/24", "dev", "eth0", "nodad");
        ns(host.namespace(), "ip", "link", "set", "eth0", "up");
        ns(host.namespace(), "ip", "route", "add", "default", "via", router.lanGateway());
        return new Host(host.name(), host.namespace(), router.name(), addr);
    }

    // ---------------------------------------------------------------------------------------------- rulesets

    /**
     * The nftables ruleset of a router of kind {@code kind} (table {@code ip natlab}; a {@link NatKind#UPNP}
     * router also gets table {@code inet natlab_upnp} with the empty chains miniupnpd fills). Applied with
     * {@code nft -f} as one transaction that first deletes both tables.
     */
    public static String ruleset(NatKind kind) {
        StringBuilder sb = new StringBuilder();
        sb.append("table ip natlab\ndelete table ip natlab\n");
        sb.append("table inet natlab_upnp\ndelete table inet natlab_upnp\n");
        sb.append("table ip natlab {\n");
        sb.append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
        if (kind != NatKind.NONE) {
            sb.append("    iifname \"wan\" ct state established,related accept\n");
            sb.append("    iifname \"wan\" ct status dnat accept\n");
            sb.append("    iifname \"wan\" drop\n");
        }
        if (kind == NatKind.UDP_BLOCKED) {
            sb.append("    oifname \"wan\" meta l4proto udp drop\n");
        }
        sb.append("  }\n");
        if (kind != NatKind.NONE) {
            // The router's own firewall, as on a home router: without it an unsolicited packet to the WAN address
            // (a peer's hole punch that arrives first) leaves a confirmed conntrack entry, and the LAN host's own
            // packet to that peer then clashes with it and is NATed to another port — punching fails. Dropped
            // here, the entry is never confirmed.
            sb.append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
            sb.append("    iifname \"wan\" ct state established,related accept\n");
            sb.append("    iifname \"wan\" icmp type echo-request accept\n");
            sb.append("    iifname \"wan\" drop\n");
            sb.append("  }\n");
        }
        sb.append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        switch (kind) {
            // only forwarded LAN traffic: the router's own packets (miniupnpd's STUN check) keep their ports
            case EASY, UPNP, UDP_BLOCKED -> sb.append("    iifname \"lan\" oifname \"wan\" masquerade\n");
            case HARD, HARD_UPNP -> sb.append("    iifname \"lan\" oifname \"wan\" masquerade random\n");
            case NONE -> {
            }
        }
        sb.append("  }\n}\n");
        if (kind.portMapping()) {
            sb.append("""
                    table inet natlab_upnp {
                      chain forward {
                        type filter hook forward priority filter; policy accept;
                        jump miniupnpd
                      }
                      chain miniupnpd {
                      }
                      chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        jump prerouting_miniupnpd
                      }
                      chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        jump postrouting_miniupnpd
                      }
                      chain prerouting_miniupnpd {
                      }
                      chain postrouting_miniupnpd {
                      }
                    }
                    """);
        }
        return sb.toString();
    }

    /** Installs {@code router}'s ruleset, flushes its conntrack table, and starts or stops miniupnpd. */
    private void applyKind(Router router, NatKind old) throws IOException {
        if (old != null && old.portMapping()) {
            stopMiniupnpd(router);
        }
        Path file = dir.resolve(router.name() + ".nft");
        Files.writeString(file, ruleset(router.kind()), StandardCharsets.UTF_8);
        ns(router.namespace(), "nft", "-f", file.toString());
        if (old != null) {
            // conntrack -F needs the conntrack tables to exist: they do once any NAT rule was loaded
            Netns.Result r = Netns.runResult(CMD, "ip", "netns", "exec", router.namespace(), "conntrack", "-F");
            if (!r.ok() && !r.output().contains("0 flow entries")) {
                throw new IOException("conntrack -F in " + router.namespace() + " failed: " + r.output().strip());
            }
        }
        if (router.kind().portMapping()) {
            startMiniupnpd(router);
        }
    }

    private Path miniupnpdPid(Router router) {
        return dir.resolve(router.name() + "-miniupnpd.pid");
    }

    private void startMiniupnpd(Router router) throws IOException {
        if (!Netns.have("miniupnpd")) {
            throw new IOException("miniupnpd is missing: apt-get install miniupnpd miniupnpd-nftables");
        }
        Path conf = dir.resolve(router.name() + "-miniupnpd.conf");
        Files.writeString(conf, String.join("\n",
                "ext_ifname=wan",
                "ext_perform_stun=yes",
                "ext_stun_host=" + INTERNET_GATEWAY,
                "ext_stun_port=" + STUN_PORT,
                "listening_ip=lan",
                "http_port=" + UPNP_HTTP_PORT,
                "enable_natpmp=yes",
                "enable_upnp=yes",
                "secure_mode=no",
                "system_uptime=yes",
                "notify_interval=60",
                "clean_ruleset_interval=600",
                "uuid=" + UUID.nameUUIDFromBytes((prefix + router.name()).getBytes(StandardCharsets.UTF_8)),
                "lease_file=" + dir.resolve(router.name() + "-upnp.leases"),
                "upnp_table_name=natlab_upnp",
                "upnp_nat_table_name=natlab_upnp",
                "upnp_forward_chain=miniupnpd",
                "upnp_nat_chain=prerouting_miniupnpd",
                "upnp_nat_postrouting_chain=postrouting_miniupnpd",
                "allow 1024-65535 " + router.lanSubnet() + " 1024-65535",
                "deny 0-65535 0.0.0.0/0 0-65535", ""), StandardCharsets.UTF_8);
        ensureStunResponder();
        Path pid = miniupnpdPid(router);
        Files.deleteIfExists(pid);
        // -d: stay in the foreground, log to stderr (captured); the pid file lets a later process stop it
        Background b = spawnIn(router.namespace(), router.name() + "-miniupnpd", "miniupnpd", "-d", "-f",
                conf.toString(), "-P", pid.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Netns.Result ss = Netns.runResult(CMD, "ip", "netns", "exec", router.namespace(), "ss", "-lnut");
            if (ss.output().contains(":" + UPNP_HTTP_PORT + " ") && ss.output().contains(":5351 ")) {
                return;
            }
            if (!b.alive() || System.nanoTime() - deadline > 0) {
                throw new IOException("miniupnpd did not start on " + router.name() + "; log:\n" + b.log());
            }
            sleep(50);
        }
    }

    /**
     * Starts {@link StunResponder} on the internet's router ({@link #INTERNET_GATEWAY}:{@link #STUN_PORT}) unless
     * it runs: miniupnpd's STUN check needs it (see there). A JVM of its own, so it outlives a detached lab's
     * builder; its pid is in {@code workDir/stun.pid}.
     */
    private void ensureStunResponder() throws IOException {
        String inet = prefix + "-" + INET;
        Path pidFile = dir.resolve("stun.pid");
        if (Files.exists(pidFile) && pidsIn(inet).contains(Files.readString(pidFile).strip())) {
            return;
        }
        String cp = location(NatLab.class) + File.pathSeparator + location(dev.warren.wire.stun.StunMessage.class);
        Background b = spawnIn(inet, "inet-stun", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true", "-cp", cp,
                StunResponder.class.getName(), INTERNET_GATEWAY, Integer.toString(STUN_PORT));
        Files.writeString(pidFile, b.process().pid() + "\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Netns.runResult(CMD, "ip", "netns", "exec", inet, "ss", "-lnu").output()
                .contains(":" + STUN_PORT + " ")) {
            if (!b.alive() || System.nanoTime() - deadline > 0) {
                throw new IOException("the lab's STUN responder did not start; log:\n" + b.log());
            }
            sleep(50);
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> pidsIn(String ns) throws IOException {
        return List.of(Netns.runResult(CMD, "ip", "netns", "pids", ns).output().strip().split("\\s+"));
    }

    private void stopMiniupnpd(Router router) throws IOException {
        Path pidFile = miniupnpdPid(router);
        if (!Files.exists(pidFile)) {
            return;
        }
        String pid = Files.readString(pidFile).strip();
        // only a process inside this router's namespace: a stale pid file never kills anything else
        if (!pid.isEmpty() && pidsIn(router.namespace()).contains(pid)) {
            Netns.runResult(CMD, "kill", pid);
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> h.onExit().orTimeout(5, TimeUnit.SECONDS).join());
        }
        Files.deleteIfExists(pidFile);
    }

    // ---------------------------------------------------------------------------------------------- accessors

    public String prefix() {
        return prefix;
    }

    /** Where logs, rulesets and daemon configs go (kept after {@link #close()} for diagnosis). */
    public Path workDir() {
        return dir;
    }

    public synchronized Server server(String name) {
        return require(servers, name, "server");
    }

    public synchronized Router router(String name) {
        return require(routers, name, "router");
    }

    public synchronized Host host(String name) {
        return require(hosts, name, "host");
    }

    public synchronized List<Server> servers() {
        return List.copyOf(servers.values());
    }

    public synchronized List<Router> routers() {
        return List.copyOf(routers.values());
    }

    public synchronized List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    private static <T> T require(Map<String, T> map, String name, String what) {
        T t = map.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no " + what + " named '" + name + "' in this lab (have "
                    + map.keySet() + ")");
        }
        return t;
    }

    /** The namespace of a server, router or host, or {@code inet} for the internet's router. */
    public synchronized String namespace(String name) {
        if (name.equals(INET)) {
            return prefix + "-" + INET;
        }
        if (servers.containsKey(name) || routers.containsKey(name) || hosts.containsKey(name)) {
            return prefix + "-" + name;
        }
        throw new IllegalArgumentException("no server, router or host named '" + name + "' in this lab");
    }

    // ---------------------------------------------------------------------------------------------- operations

    /** Runs a command in node {@code name}'s namespace and waits for it (at most {@code timeout}). */
    public Netns.Result exec(String name, Duration timeout, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(name)));
        full.addAll(List.of(cmd));
        return Netns.runResult(timeout, full.toArray(String[]::new));
    }

    /**
     * Starts {@code cmd} in node {@code name}'s namespace in the background, output and errors appended to
     * {@code workDir/NAME-LOGNAME.log}; it is stopped at {@link #close()} (or by {@link Background#stop()}).
     */
    public Background spawn(String name, String logName, String... cmd) throws IOException {
        return spawnIn(namespace(name), name + "-" + logName, cmd);
    }

    private Background spawnIn(String ns, String logName, String... cmd) throws IOException {
        Path log = dir.resolve(logName + ".log");
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Background b = new Background(String.join(" ", cmd), p, log);
        synchronized (this) {
            processes.add(b);
        }
        return b;
    }

    /** A process started by {@link #spawn}: {@code ip netns exec} execs the command, so this is the command. */
    public static final class Background implements AutoCloseable {
        private final String command;
        private final Process process;
        private final Path log;

        Background(String command, Process process, Path log) {
            this.command = command;
            this.process = process;
            this.log = log;
        }

        public Process process() {
            return process;
        }

        public boolean alive() {
            return process.isAlive();
        }

        public Path logFile() {
            return log;
        }

        /** The log so far ("" when there is none). */
        public String log() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e.getMessage() + ")";
            }
        }

        /** SIGTERM, then SIGKILL after 3 s. */
        public void stop() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            stop();
        }

        @Override
        public String toString() {
            return command + " (log " + log + ")";
        }
    }

    /**
     * Makes {@code router} a {@code kind} router now: swaps its nftables ruleset in one transaction, flushes its
     * conntrack table (every flow is mapped afresh by its next packet), and starts or stops miniupnpd.
     */
    public synchronized void changeKind(String router, NatKind kind) throws IOException {
        Router r = require(routers, router, "router");
        Router changed = new Router(r.name(), r.namespace(), r.index(), r.wanAddress(), r.lanGateway(),
                r.lanSubnet(), kind);
        applyKind(changed, r.kind());
        routers.put(router, changed);
        save();
    }

    /**
     * Moves {@code host} to {@code router}'s LAN (roaming): its {@code eth0} is deleted and made anew on the
     * other LAN with that LAN's next address and default route. Sockets bound to the old address break, as on
     * a real device changing networks; the old router's conntrack entries expire as they would.
     */
    public synchronized Host moveHost(String host, String router) throws IOException {
        Host h = require(hosts, host, "host");
        Router to = require(routers, router, "router");
        Netns.run("ip", "-n", h.namespace(), "link", "del", "eth0");
        Host moved = plugLan(h, to);
        hosts.put(host, moved);
        save();
        return moved;
    }

    /** Takes {@code host}'s {@code eth0} down or up; up restores its default route. */
    public synchronized void setLink(String host, boolean up) throws IOException {
        Host h = require(hosts, host, "host");
        ns(h.namespace(), "ip", "link", "set", "eth0", up ? "up" : "down");
        if (up) {
            ns(h.namespace(), "ip", "route", "replace", "default", "via", routers.get(h.router()).lanGateway());
        }
    }

    /** Flushes {@code router}'s conntrack table (every NAT mapping and firewall state goes). */
    public void flushConntrack(String router) throws IOException {
        ns(router(router).namespace(), "conntrack", "-F");
    }

    // ---------------------------------------------------------------------------------------------- state file

    private void save() throws IOException {
        StringBuilder sb = new StringBuilder("# NAT lab state, written by dev.warren.testing.nat.NatLab\n");
        sb.append("prefix ").append(prefix).append('\n');
        sb.append("owner ").append(owner).append('\n');
        for (Server s : servers.values()) {
            sb.append("server ").append(s.name()).append(' ').append(s.address()).append('\n');
        }
        for (Router r : routers.values()) {
            sb.append("router ").append(r.name()).append(' ').append(r.index()).append(' ')
                    .append(r.kind().label()).append(' ').append(nextHost.get(r.name())).append('\n');
        }
        for (Host h : hosts.values()) {
            sb.append("host ").append(h.name()).append(' ').append(h.router()).append(' ').append(h.address())
                    .append('\n');
        }
        Path tmp = dir.resolve(STATE_FILE + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(STATE_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The detached lab whose state is in {@code workDir/natlab.state} (made by a {@link Builder#detached()} lab,
     * e.g. {@code NatLabMain up}). Bad state is an error naming the file and line.
     */
    public static NatLab open(Path workDir) throws IOException {
        Path file = workDir.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            throw new IOException(file + " does not exist: no NAT lab was made with this work directory");
        }
        return parseState(workDir, file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Reads a state file's {@code lines} ({@code file} names it in errors) into a detached lab living in
     * {@code workDir}. Makes nothing: the namespaces are expected to exist.
     */
    static NatLab parseState(Path workDir, String file, List<String> lines) throws IOException {
        String prefix = null;
        long owner = -1;
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = file + ":" + (i + 1) + ": ";
            try {
                switch (f[0]) {
                    case "prefix" -> {
                        expect(f, 2);
                        if (!PREFIX.matcher(f[1]).matches()) {
                            throw new IllegalArgumentException("bad prefix '" + f[1] + "'");
                        }
                        prefix = f[1];
                    }
                    case "owner" -> {
                        expect(f, 2);
                        owner = Long.parseLong(f[1]);
                        if (owner <= 0) {
                            throw new IllegalArgumentException("owner pid must be positive");
                        }
                    }
                    case "server", "host" -> {
                        expect(f, f[0].equals("server") ? 3 : 4);
                        if (!IPV4.matcher(f[f.length - 1]).matches()) {
                            throw new IllegalArgumentException("bad address '" + f[f.length - 1] + "'");
                        }
                    }
                    case "router" -> {
                        expect(f, 5);
                        NatKind.parse(f[3]);
                        int n = Integer.parseInt(f[2]);
                        int next = Integer.parseInt(f[4]);
                        if (n < 1 || n > 99 || next < 10 || next > 251) {
                            throw new IllegalArgumentException("router number must be 1..99 and next host 10..251");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown record '" + f[0] + "'");
                }
                if (!f[0].equals("prefix") && !f[0].equals("owner")) {
                    checkName(f[1]);
                    for (String[] r : rows) {
                        if (r[1].equals(f[1])) {
                            throw new IllegalArgumentException("name '" + f[1] + "' is used twice");
                        }
                    }
                    rows.add(f);
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(where + e.getMessage() + " in '" + line + "'");
            }
        }
        if (prefix == null || owner < 0) {
            throw new IOException(file + ": the 'prefix' or 'owner' record is missing");
        }
        NatLab lab = new NatLab(prefix, workDir, owner, true);
        synchronized (lab) {
            lab.namespaces.add(prefix + "-" + INET);
            for (String[] f : rows) {
                String ns = prefix + "-" + f[1];
                lab.namespaces.add(ns);
                switch (f[0]) {
                    case "server" -> lab.servers.put(f[1], new Server(f[1], ns, f[2]));
                    case "router" -> {
                        int n = Integer.parseInt(f[2]);
                        lab.routers.put(f[1], new Router(f[1], ns, n, "203.0.113." + (100 + n), "10." + n + ".0.1",
                                "10." + n + ".0.0/24", NatKind.parse(f[3])));
                        lab.nextHost.put(f[1], Integer.parseInt(f[4]));
                    }
                    default -> lab.hosts.put(f[1], new Host(f[1], ns, f[2], f[3]));
                }
            }
            for (Host h : lab.hosts.values()) {
                if (!lab.routers.containsKey(h.router())) {
                    throw new IOException(file + ": host '" + h.name() + "' is on unknown router '" + h.router() + "'");
                }
            }
        }
        return lab;
    }

    private static void expect(String[] f, int n) {
        if (f.length != n) {
            throw new IllegalArgumentException("expected " + (n - 1) + " fields after '" + f[0] + "', got "
                    + (f.length - 1));
        }
    }

    // ---------------------------------------------------------------------------------------------- clean-up

    private synchronized void destroy() {
        if (closed) {
            return;
        }
        closed = true;
        for (Router r : routers.values()) {
            if (r.kind().portMapping()) {
                try {
                    stopMiniupnpd(r);
                } catch (IOException | RuntimeException e) {
                    System.err.println("natlab: stopping miniupnpd on " + r.name() + ": " + e.getMessage());
                }
            }
        }
        processes.forEach(Background::stop);
        for (String ns : namespaces.reversed()) {
            try {
                for (int i = 0; i < 50; i++) {
                    Netns.Result pids = Netns.runResult(Duration.ofSeconds(5), "ip", "netns", "pids", ns);
                    if (pids.output().isBlank() || !pids.ok()) {
                        break;
                    }
                    for (String pid : pids.output().strip().split("\\s+")) {
                        Netns.runResult(Duration.ofSeconds(5), "kill", i < 40 ? "-TERM" : "-KILL", pid);
                    }
                    Thread.sleep(50);
                }
                Netns.runResult(Duration.ofSeconds(10), "ip", "netns", "del", ns);
                Files.deleteIfExists(Netns.OWNERS.resolve(ns));
            } catch (IOException e) {
                System.err.println("natlab: cleanup of " + ns + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.err.println("natlab: cleanup of " + ns + " interrupted");
            }
        }
        try {
            Files.deleteIfExists(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            // the state file of a removed lab is harmless
        }
    }

    /** Stops every process the lab started and deletes every namespace it made; the work directory stays. */
    @Override
    public void close() {
        destroy();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static void ns(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Netns.run(full.toArray(String[]::new));
    }

    private static void sysctl(String ns, String... settings) throws IOException {
        for (String s : settings) {
            ns(ns, "sysctl", "-q", "-w", s);
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
