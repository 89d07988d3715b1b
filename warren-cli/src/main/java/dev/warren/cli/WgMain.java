package dev.warren.cli;

import picocli.CommandLine;

import java.util.Arrays;

/**
 * The entry point of {@code warren-wg.jar}, the slim jar that {@code bin/warren wg IFACE} runs (see
 * {@link SlimJar}). It knows two things only: {@code wg} with plain arguments (the direct path {@link Main}
 * takes too) and {@code selftest}, the training run for the slim jar's own start-up cache. Everything else
 * (help, unusual arguments) goes through the full jar, which the launcher chooses for it.
 *
 * <p>Nothing here may refer to {@link Main}: that class names every command, and through them the control
 * server, the node and every library, which the slim jar leaves out ({@code SlimJarTest} checks it).
 */
public final class WgMain {
    private WgMain() {
    }

    public static void main(String[] args) {
        StartupTrace.mark("main");
        if (args.length > 0 && args[0].equals("wg")) {
            Integer code = runDirect(args);
            if (code == null) {
                System.err.println("warren wg: unexpected arguments " + Arrays.toString(args)
                        + " for the slim jar; run bin/warren wg --help");
                System.exit(2);
            }
            System.exit(code);
        }
        if (args.length > 0 && args[0].equals("selftest")) {
            System.exit(new CommandLine(new SelfTestCommand()).execute(Arrays.copyOfRange(args, 1, args.length)));
        }
        System.err.println("warren-wg.jar runs only 'wg IFACE' and 'selftest'; use bin/warren for everything else");
        System.exit(2);
    }

    /**
     * {@code wg} with plain arguments, the one fast path both entry points take: starts the native layer's
     * background set-up ({@link Warmup}), then runs the daemon. Returns its exit status, or null when the
     * arguments need picocli (help, unusual options), with nothing run. The wg daemon logs only through
     * System.Logger ({@link StderrLoggerFinder}), so java.util.logging is never set up on this path.
     */
    static Integer runDirect(String[] args) {
        Warmup.nativeLayerInBackground(); // overlaps FFM stub generation with parsing and the rest of start-up
        WgCommand direct = WgCommand.parseDirect(args);
        StartupTrace.mark("arguments parsed");
        return direct == null ? null : direct.call();
    }
}
