package dev.warren.wireguard;

import dev.warren.crypto.X25519;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

/** The device's long-term key pair. Immutable; replaced as a whole when the private key changes. */
record StaticIdentity(PrivateKey privateKey, PublicKey publicKey) {
    static StaticIdentity of(PrivateKey key) {
        return new StaticIdentity(key, X25519.publicKey(key));
    }
}
