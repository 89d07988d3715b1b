package dev.warren.cli;

import dev.warren.crypto.Aead;
import dev.warren.crypto.Blake2s;
import dev.warren.crypto.Kdf;
import dev.warren.crypto.X25519;
import dev.warren.crypto.XAead;
import dev.warren.net.linux.Libc;
import dev.warren.wire.key.PrivateKey;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Start-up work for {@code warren wg} that can run beside the main thread: generating the FFM downcall stubs
 * of the native layer, which the main thread needs in turn (TUN device, then engine). Touches no shared state
 * beyond the JDK's class initialisation, which makes the main thread wait where it needs a stub not yet made.
 *
 * <p>The handshake's primitives (X25519, BLAKE2s, the KDF, the AEADs) then run once, so that their classes are
 * initialised and their first calls linked before the first handshake. An earlier version ran 40 rounds at
 * "low priority" to get them JIT-compiled; measured with {@code bench/wg-throughput.sh --start-only}, that
 * added ~45 ms of CPU before the daemon was ready (Java thread priorities are not applied on Linux), while one
 * round costs ~10 ms and takes ~10 ms off the time from "ready" to the first reply (ADR 0019).
 */
final class Warmup {
    private Warmup() {
    }

    /**
     * Initialises the native bindings on two background threads while the main thread does the rest of
     * start-up: one generates the system-call stubs (the capturing one first: creating the TUN device waits for
     * it), the other libsodium's (the engine's AEAD, which {@code Device.start} waits for). Each FFM stub costs
     * ~15–40 ms of CPU; splitting them lets the two cores share the work while the main thread waits. Each
     * thread then makes one harmless call through every downcall, because the first call through a downcall
     * handle links its invoker (a few more spun classes, ~5–20 ms), which would otherwise fall on device
     * creation and on the first handshake and packet.
     */
    static void nativeLayerInBackground() {
        Thread.ofPlatform().daemon().name("wg-syscall-init").start(() -> {
            linkSyscalls(false);
            StartupTrace.mark("bg: capturing syscall linked");
            linkSyscalls(true);
            StartupTrace.mark("bg: fast syscall linked");
        });
        Thread.ofPlatform().daemon().name("wg-aead-init").start(() -> {
            linkAead();
            StartupTrace.mark("bg: aead linked");
            handshakePrimitivesOnce();
            StartupTrace.mark("bg: handshake primitives run");
        });
    }

    /** Generates and links one of the two system-call stubs (see {@code Syscalls}). */
    private static void linkSyscalls(boolean fast) {
        try (Arena arena = Arena.ofConfined()) {
            if (fast) {
                Libc.preloadUdp();
                Libc.readFast(-1, 0, 0); // EBADF: links the non-capturing call
            } else {
                MemorySegment state = Libc.newCallState(arena);
                Libc.preloadTun();
                Libc.close(state, -1); // EBADF: links the capturing call
            }
        } catch (LinkageError | RuntimeException e) {
            // the device's own use reports any real problem
        }
    }

    /** Generates and links libsodium's stubs, when the AEAD in use is libsodium's. */
    private static void linkAead() {
        try {
            Aead aead = Aead.create();
            byte[] key = new byte[32];
            aead.open(key, 0, aead.seal(key, 0, new byte[16], new byte[0]), new byte[0]);
        } catch (LinkageError | RuntimeException e) {
            // the engine's own use reports any real problem
        }
    }

    /** Runs each primitive of a Noise_IKpsk2 handshake once (keys, DH, hashes, KDF, both AEADs). */
    private static void handshakePrimitivesOnce() {
        try {
            byte[] key = new byte[32];
            PrivateKey a = X25519.generatePrivateKey();
            PrivateKey b = X25519.generatePrivateKey();
            X25519.sharedSecret(a, X25519.publicKey(b));
            byte[] h = Blake2s.hash(key, Blake2s.hmac(key, key));
            Kdf.kdf(3, h, key);
            Blake2s.mac(h, key);
            XAead.open(h, new byte[24], XAead.seal(h, new byte[24], key, h), h);
        } catch (Exception | LinkageError e) {
            // best effort: the handshake itself reports any real problem
        }
    }
}
