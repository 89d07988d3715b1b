package dev.warren.control.internal.admin;

import dev.warren.crypto.X25519;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RelayMaps;
import dev.warren.wire.key.PrivateKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The files of a control server's state directory: {@code server.key} (the long-term X25519 private key, base64),
 * {@code admin.token} (the bearer token of the admin API) and {@code relay.token} (the bearer token relays present
 * to {@code /relay/admit}), all created once with mode 0600; {@code control.json}
 * ({@code {"url":…,"publicKey":…}}), rewritten at every start so the CLI can find the server; and
 * {@code relay-map.json}, the relay map in force (written by {@code --relay-map} at start and by the admin API,
 * replaced atomically).
 */
public final class StateFiles {
    public static final String SERVER_KEY = "server.key";
    public static final String ADMIN_TOKEN = "admin.token";
    public static final String CONTROL_JSON = "control.json";
    public static final String RELAY_TOKEN = "relay.token";
    public static final String RELAY_MAP = "relay-map.json";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private StateFiles() {
    }

    public static void ensureDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("state directory " + dir + " is not writable");
        }
    }

    public static PrivateKey serverKey(Path dir) throws IOException {
        Path f = dir.resolve(SERVER_KEY);
        if (Files.exists(f)) {
            try {
                return PrivateKey.fromBase64(Files.readString(f, StandardCharsets.US_ASCII).strip());
            } catch (IllegalArgumentException e) {
                throw new IOException(f + " does not hold a base64 private key: " + e.getMessage());
            }
        }
        PrivateKey k = X25519.generatePrivateKey();
        writeOnce(f, k.toBase64() + "\n");
        return serverKey(dir);
    }

    public static String adminToken(Path dir) throws IOException {
        return token(dir.resolve(ADMIN_TOKEN));
    }

    /** The relay admission token, created on first use like the admin token. */
    public static String relayToken(Path dir) throws IOException {
        return token(dir.resolve(RELAY_TOKEN));
    }

    /** The relay map saved in {@code dir}, or null when there is none; a broken file is an error naming it. */
    public static RelayMap readRelayMap(Path dir) throws IOException {
        Path f = dir.resolve(RELAY_MAP);
        if (!Files.exists(f)) {
            return null;
        }
        return RelayMaps.parse(f.toString(), Files.readAllBytes(f));
    }

    /** Saves {@code map} as {@code dir/relay-map.json}, atomically. */
    public static void writeRelayMap(Path dir, RelayMap map) throws IOException {
        Path f = dir.resolve(RELAY_MAP);
        Path tmp = dir.resolve(RELAY_MAP + ".tmp");
        Files.write(tmp, ControlJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(map));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String token(Path f) throws IOException {
        if (!Files.exists(f)) {
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            writeOnce(f, HexFormat.of().formatHex(b) + "\n");
        }
        String t = Files.readString(f, StandardCharsets.US_ASCII).strip();
        if (t.isEmpty()) {
            throw new IOException(f + " is empty");
        }
        return t;
    }

    /** Creates {@code f} with mode 0600 and {@code content}; keeps an existing file (another start won the race). */
    private static void writeOnce(Path f, String content) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeControlJson(Path dir, String url, String publicKey) throws IOException {
        Path f = dir.resolve(CONTROL_JSON);
        Path tmp = dir.resolve(CONTROL_JSON + ".tmp");
        Files.writeString(tmp, "{\"url\":\"" + url + "\",\"publicKey\":\"" + publicKey + "\"}\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
