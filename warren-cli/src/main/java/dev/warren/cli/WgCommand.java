package dev.warren.cli;

import dev.warren.net.tun.LinuxTun;
import dev.warren.net.udp.Binds;
import dev.warren.wire.time.ExecutorScheduler;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.UapiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code warren wg [-f] IFACE}: a userspace WireGuard interface that behaves like wireguard-go.
 *
 * <pre>
 * 1. create TUN device IFACE (offloads when the kernel has them)
 * 2. start the engine on it, UDP on a random port until configured
 * 3. serve the UAPI on /var/run/wireguard/IFACE.sock, so wg, wg-quick and ip drive it
 * 4. report readiness (the launcher detaches on it), then run until SIGTERM/SIGINT or the link is deleted,
 *    removing socket and device on the way out
 * </pre>
 */
@Command(name = "wg",
        description = {"Run a userspace WireGuard interface, a drop-in for wireguard-go.",
                "Configure it with wg(8), wg-quick(8) and ip(8) exactly as a wireguard-go interface."},
        mixinStandardHelpOptions = true, versionProvider = Version.class)
final class WgCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger("warren.wg");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_=+.-]{1,15}");

    @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground instead of detaching.")
    boolean foreground;

    @Option(names = "--no-offload", description = "Do not use TUN segmentation offloads (TSO/GRO).")
    boolean noOffload;

    @Option(names = "--ready-fd", hidden = true, description = "File descriptor on which to report readiness (set by bin/warren).")
    Integer readyFd;

    @Parameters(index = "0", paramLabel = "IFACE", description = "Interface name, e.g. wg0.")
    String iface;

    /**
     * Parses {@code wg [-f|--foreground] [--no-offload] [--ready-fd N] IFACE} without picocli; returns null for
     * anything else (help, unknown options, missing or extra arguments), which picocli then reports.
     */
    static WgCommand parseDirect(String[] args) {
        if (args.length < 2 || !args[0].equals("wg")) {
            return null;
        }
        WgCommand c = new WgCommand();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-f", "--foreground" -> c.foreground = true;
                case "--no-offload" -> c.noOffload = true;
                case "--ready-fd" -> {
                    if (i + 1 >= args.length || !args[i + 1].matches("[0-9]{1,4}")) {
                        return null;
                    }
                    c.readyFd = Integer.parseInt(args[++i]);
                }
                default -> {
                    if (a.startsWith("-") || c.iface != null) {
                        return null;
                    }
                    c.iface = a;
                }
            }
        }
        return c.iface == null ? null : c;
    }

    @Override
    public Integer call() {
        if (!foreground && readyFd == null) {
            System.err.println("warren wg: detaching needs the bin/warren launcher; run with --foreground instead");
            return 2;
        }
        if (!IFACE.matcher(iface).matches() || iface.equals(".") || iface.equals("..")) {
            return fail("invalid interface name \"" + iface + "\" (1-15 characters of A-Z a-z 0-9 _ = + . -)");
        }
        Path socket = Path.of(System.getProperty("warren.uapi.dir", "/var/run/wireguard"), iface + ".sock");
        // The UAPI socket is bound first (without publishing it), while Warmup's thread generates the FFM stub
        // that creating the TUN device needs: the JDK's socket code needs none, so the two overlap.
        UapiServer.Listener listener;
        try {
            listener = UapiServer.bind(socket);
        } catch (IOException e) {
            return fail("UAPI listen error on " + socket + ": " + e.getMessage());
        }
        StartupTrace.mark("UAPI socket bound");
        ExecutorScheduler scheduler = new ExecutorScheduler("wg-timers");
        LinuxTun tun;
        try {
            tun = LinuxTun.create(iface, !noOffload);
        } catch (IOException e) {
            listener.close();
            scheduler.close();
            return fail("cannot create TUN device " + iface + ": " + e.getMessage());
        }
        StartupTrace.mark("TUN device created");
        Device device;
        try {
            device = Device.start(tun, Binds.create(), Device.Options.defaults(scheduler, "wg"));
        } catch (IOException | RuntimeException e) {
            listener.close();
            tun.close();
            scheduler.close();
            return fail("cannot start the WireGuard engine: " + e.getMessage());
        }
        StartupTrace.mark("engine started");
        UapiServer uapi;
        try {
            uapi = listener.serve(device);
        } catch (IOException e) {
            device.close();
            scheduler.close();
            return fail("UAPI listen error on " + socket + ": " + e.getMessage());
        }
        Thread hook = new Thread(() -> {
            uapi.close();
            device.close();
            scheduler.close();
        }, "wg-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        StartupTrace.mark("UAPI listening");
        long readyMillis = StartupTrace.sinceMainMillis();
        signalReady("ok"); // before the log line below: formatting the first one costs a few milliseconds
        StartupTrace.mark("ready");
        // (the process start time the OS reports has a granularity of up to a second, so this counts from main)
        LOG.log(System.Logger.Level.INFO, "interface {0} is up; UAPI on {1}; {2} ({3} ms after main)",
                tun.name(), socket, describe(tun), readyMillis);
        watchSocket(socket, device);
        device.closed().join();
        uapi.close();
        scheduler.close();
        LOG.log(System.Logger.Level.INFO, "interface {0} shut down", tun.name());
        return 0;
    }

    /**
     * The cross-platform UAPI asks a userspace implementation to shut down when its socket file is removed
     * (that is how tools without link control stop it); checked once a second.
     */
    private static void watchSocket(Path socket, Device device) {
        Thread.ofVirtual().name("wg-socket-watch").start(() -> {
            while (!device.closed().isDone()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                if (!java.nio.file.Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    LOG.log(System.Logger.Level.INFO, "UAPI socket {0} was removed; shutting down", socket);
                    device.close();
                    return;
                }
            }
        });
    }

    private static String describe(LinuxTun tun) {
        return "TUN offloads " + (tun.offloads() ? "on" : "off") + ", AEAD "
                + System.getProperty(dev.warren.crypto.Aead.PROVIDER_PROPERTY, "auto=" + dev.warren.crypto.Aead.autoProvider());
    }

    private int fail(String message) {
        System.err.println("warren wg: " + message);
        signalReady("error: " + message);
        return 1;
    }

    /** Tells the launcher the outcome: one line on the inherited descriptor, then it may exit. */
    private void signalReady(String line) {
        if (readyFd == null) {
            return;
        }
        try (FileOutputStream out = new FileOutputStream("/proc/self/fd/" + readyFd)) {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot report readiness: {0}", e.getMessage());
        }
    }
}
