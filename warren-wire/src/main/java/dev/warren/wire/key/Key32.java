package dev.warren.wire.key;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Shared behaviour of the 32-byte keys WireGuard uses: constant-time comparison, base64 (the {@code wg}
 * tool's text form) and lowercase hex (the UAPI's form). Instances are immutable; accessors copy.
 */
public abstract sealed class Key32 permits PublicKey, PrivateKey, PresharedKey {
    /** Length of every key in bytes. */
    public static final int SIZE = 32;

    private final byte[] bytes;

    Key32(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException("key must be " + SIZE + " bytes, got "
                    + (bytes == null ? "null" : bytes.length));
        }
        this.bytes = bytes.clone();
    }

    /** A copy of the raw key bytes. */
    public final byte[] toBytes() {
        return bytes.clone();
    }

    /** Copies the key into {@code dst} at {@code off}, without allocating. */
    public final void copyTo(byte[] dst, int off) {
        System.arraycopy(bytes, 0, dst, off, SIZE);
    }

    /** The byte at {@code i}; for hot paths that must not copy. */
    public final byte byteAt(int i) {
        return bytes[i];
    }

    /** True when every byte is zero (WireGuard's "no key"). Constant time. */
    public final boolean isZero() {
        int acc = 0;
        for (byte b : bytes) {
            acc |= b;
        }
        return acc == 0;
    }

    /** Standard base64 with padding, as {@code wg genkey} prints. */
    public final String toBase64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Lowercase hex, as the UAPI carries keys. */
    public final String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && MessageDigest.isEqual(bytes, ((Key32) o).bytes);
    }

    @Override
    public final int hashCode() {
        return Arrays.hashCode(bytes);
    }

    static byte[] decodeBase64(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        String t = text.strip();
        byte[] b;
        try {
            b = Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid base64");
        }
        if (b.length != SIZE || t.length() != 44) {
            throw new IllegalArgumentException(what + " must be 32 bytes of base64 (44 characters)");
        }
        return b;
    }

    static byte[] decodeHex(String text, String what) {
        if (text == null || text.length() != 2 * SIZE) {
            throw new IllegalArgumentException(what + " must be 64 hex characters");
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid hex");
        }
    }
}
