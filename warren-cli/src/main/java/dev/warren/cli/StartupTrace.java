package dev.warren.cli;

/**
 * With {@code -Dwarren.trace.startup=true}, prints how long each start-up phase took (milliseconds since
 * {@code main} began) to standard error. Used to keep `warren wg`'s start-up in check; off by default.
 */
final class StartupTrace {
    private static final boolean ON = Boolean.getBoolean("warren.trace.startup");
    private static final long T0 = System.nanoTime();

    private StartupTrace() {
    }

    /** Milliseconds since {@code main} began (well, since this class was initialised, first thing in main). */
    static long sinceMainMillis() {
        return (System.nanoTime() - T0) / 1_000_000;
    }

    static void mark(String phase) {
        if (ON) {
            // (no Formatter or string concatenation: their first use would add to the very time measured)
            long tenths = (System.nanoTime() - T0) / 100_000;
            System.err.println(new StringBuilder("startup ").append(tenths / 10).append('.').append(tenths % 10)
                    .append(" ms  ").append(Thread.currentThread().getName()).append(": ").append(phase));
        }
    }
}
