package dev.warren.cli;

import dev.warren.crypto.Aead;
import dev.warren.crypto.Blake2s;
import dev.warren.crypto.Kdf;
import dev.warren.crypto.X25519;
import dev.warren.crypto.XAead;
import dev.warren.wire.key.PrivateKey;

/**
 * Loads and exercises the handshake's cryptography on a background thread while the daemon starts, so the first
 * handshake does not pay for class loading, BouncyCastle's fixed-base tables and the interpreter. Runs once,
 * at low priority, and touches no shared state.
 */
final class Warmup {
    private Warmup() {
    }

    /**
     * Initialises the native bindings on a background thread while the main thread does the rest of start-up:
     * the TUN device's first (it is created first), then the UDP bind's and libsodium's. Generating FFM stubs
     * costs ~250 ms of CPU in all; one thread leaves the other core to the main thread.
     */
    static void nativeLayerInBackground() {
        Thread.ofPlatform().daemon().name("wg-native-init").start(() -> {
            try {
                dev.warren.net.linux.Libc.preloadTun();
                dev.warren.net.linux.Libc.preloadUdp();
                dev.warren.crypto.Aead.autoProvider();
            } catch (LinkageError | RuntimeException e) {
                // the device's own use reports any real problem
            }
        });
    }

    static void startInBackground() {
        Thread t = Thread.ofPlatform().daemon().name("wg-warmup").unstarted(Warmup::run);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        try {
            byte[] key = new byte[32];
            Aead aead = Aead.create();
            for (int i = 0; i < 40; i++) {
                PrivateKey a = X25519.generatePrivateKey();
                PrivateKey b = X25519.generatePrivateKey();
                X25519.sharedSecret(a, X25519.publicKey(b));
                byte[] h = Blake2s.hash(key, Blake2s.hmac(key, key));
                Kdf.kdf(3, h, key);
                Blake2s.mac(h, key);
                byte[] sealed = aead.seal(h, i, new byte[32], h);
                aead.open(h, i, sealed, h);
                XAead.open(h, new byte[24], XAead.seal(h, new byte[24], key, h), h);
            }
        } catch (Exception | Error e) {
            // warming up is best effort
        }
    }
}
