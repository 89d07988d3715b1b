package dev.warren.wire.key;

/** A public key with a role, written as {@code <prefix><64 hex>}; equality is by role and key bytes. */
public abstract sealed class PrefixedKey permits NodeKey, MachineKey, DiscoKey {
    private final PublicKey key;

    PrefixedKey(PublicKey key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        this.key = key;
    }

    static PublicKey parseKey(String text, String prefix, String what) {
        if (text == null || !text.startsWith(prefix)) {
            throw new IllegalArgumentException(what + " must start with '" + prefix + "'");
        }
        String hex = text.substring(prefix.length());
        if (hex.length() != 64) {
            throw new IllegalArgumentException(what + " must be '" + prefix + "' and 64 hex digits, got "
                    + hex.length() + " characters");
        }
        return PublicKey.fromHex(hex);
    }

    protected abstract String prefix();

    /** The bare public key. */
    public final PublicKey publicKey() {
        return key;
    }

    /** A short form for logs: the prefix and the first 8 hex digits. */
    public final String shortString() {
        return prefix() + key.toHex().substring(0, 8);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((PrefixedKey) o).key.equals(key);
    }

    @Override
    public final int hashCode() {
        return key.hashCode();
    }

    @Override
    public final String toString() {
        return prefix() + key.toHex();
    }
}
