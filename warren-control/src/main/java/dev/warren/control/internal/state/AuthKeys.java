package dev.warren.control.internal.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Pre-auth key text: {@code wkey-<12 hex id>-<32 hex secret>}. The server stores only the SHA-256 of the whole
 * text and the 17-character prefix for display, so a leaked database does not leak usable keys.
 */
public final class AuthKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final String PREFIX = "wkey-";

    private AuthKeys() {
    }

    public static String generate() {
        byte[] id = new byte[6];
        byte[] secret = new byte[16];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        return PREFIX + HexFormat.of().formatHex(id) + "-" + HexFormat.of().formatHex(secret);
    }

    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String displayPrefix(String key) {
        return key.substring(0, Math.min(key.length(), PREFIX.length() + 12));
    }

    /** A random URL-safe identifier (session handles, interactive login ids). */
    public static String randomId(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
