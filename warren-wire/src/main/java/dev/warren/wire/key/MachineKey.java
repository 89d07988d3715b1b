package dev.warren.wire.key;

/**
 * A machine key: the Curve25519 public key of one device install, the static key of its control channel. It does
 * not rotate with logins. Text form {@code mkey:<64 hex>}.
 */
public final class MachineKey extends PrefixedKey {
    public static final String PREFIX = "mkey:";

    private MachineKey(PublicKey key) {
        super(key);
    }

    public static MachineKey of(PublicKey key) {
        return new MachineKey(key);
    }

    /** Parses {@code mkey:<hex>}; throws IllegalArgumentException naming the problem. */
    public static MachineKey parse(String text) {
        return new MachineKey(parseKey(text, PREFIX, "machine key"));
    }

    @Override
    protected String prefix() {
        return PREFIX;
    }
}
