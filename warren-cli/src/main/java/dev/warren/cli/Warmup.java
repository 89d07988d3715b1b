package dev.warren.cli;

/**
 * Start-up work for {@code warren wg} that can run beside the main thread: generating the FFM downcall stubs
 * of the native layer, which the main thread needs in turn (TUN device, then engine). Touches no shared state
 * beyond the JDK's class initialisation, which makes the main thread wait where it needs a stub not yet made.
 *
 * <p>An earlier version also exercised the handshake's cryptography here (40 rounds of X25519, BLAKE2s and the
 * AEAD at low priority). Measured with {@code bench/wg-throughput.sh --start-only}, it added ~45 ms of CPU
 * before the daemon was ready and saved none afterwards (Java thread priorities are not applied on Linux, so
 * it competed with start-up): removed (ADR 0016).
 */
final class Warmup {
    private Warmup() {
    }

    /**
     * Initialises the native bindings on two background threads while the main thread does the rest of
     * start-up: one generates the system-call stubs (the capturing one first: creating the TUN device waits for
     * it), the other libsodium's (the engine's AEAD, which {@code Device.start} waits for). Each FFM stub costs
     * ~15–40 ms of CPU; splitting them lets the two cores share the work while the main thread waits.
     */
    static void nativeLayerInBackground() {
        Thread.ofPlatform().daemon().name("wg-syscall-init").start(() -> {
            try {
                dev.warren.net.linux.Libc.preloadTun();
                dev.warren.net.linux.Libc.preloadUdp();
            } catch (LinkageError | RuntimeException e) {
                // the device's own use reports any real problem
            }
        });
        Thread.ofPlatform().daemon().name("wg-aead-init").start(() -> {
            try {
                dev.warren.crypto.Aead.autoProvider();
            } catch (LinkageError | RuntimeException e) {
                // the engine's own use reports any real problem
            }
        });
    }
}
