package dev.warren.node.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warren.crypto.X25519;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The node's persistent state, one small file each, all mode 0600 in a 0700 directory:
 * <pre>
 * machine.key   the machine key (base64 private key): per device, created once, never rotated
 * node.key      the node key (base64 private key): per login, replaced after logout or expiry
 * login.json    {"loginServer", "serverKey" (base64, pinned at first login), "hostname", "wantRunning"}
 * </pre>
 * Files are written to a temporary name and renamed, so a crash leaves the old or the new file, never half of one.
 * Private keys never leave this class except to the engine and the control channel.
 *
 * <p>Concurrency: not thread-safe; the backend calls it under its lock.
 */
public final class StateStore {
    public static final String MACHINE_KEY = "machine.key";
    public static final String NODE_KEY = "node.key";
    public static final String LOGIN = "login.json";

    /** What login.json holds. Any field may be null. */
    public record Login(URI loginServer, PublicKey serverKey, String hostname, boolean wantRunning) {
    }

    private final Path dir;

    public StateStore(Path dir) throws IOException {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: permissions are the platform's
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** The machine key, created on first use. */
    public PrivateKey machineKey() throws IOException {
        PrivateKey k = readKey(MACHINE_KEY);
        if (k == null) {
            k = X25519.generatePrivateKey();
            writeSecret(MACHINE_KEY, k.toBase64() + "\n");
        }
        return k;
    }

    /** The node key, or null when logged out. */
    public PrivateKey nodeKey() throws IOException {
        return readKey(NODE_KEY);
    }

    /** Creates and stores a fresh node key. */
    public PrivateKey newNodeKey() throws IOException {
        PrivateKey k = X25519.generatePrivateKey();
        writeSecret(NODE_KEY, k.toBase64() + "\n");
        return k;
    }

    public void forgetNodeKey() throws IOException {
        Files.deleteIfExists(dir.resolve(NODE_KEY));
    }

    public Login login() throws IOException {
        Path p = dir.resolve(LOGIN);
        if (!Files.exists(p)) {
            return new Login(null, null, null, false);
        }
        try {
            JsonNode n = ControlJson.mapper().readTree(Files.readAllBytes(p));
            URI server = n.hasNonNull("loginServer") ? URI.create(n.get("loginServer").asText()) : null;
            PublicKey key = n.hasNonNull("serverKey") ? PublicKey.fromBase64(n.get("serverKey").asText()) : null;
            String host = n.hasNonNull("hostname") ? n.get("hostname").asText() : null;
            return new Login(server, key, host, n.path("wantRunning").asBoolean(false));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(p + ": unreadable (" + e.getMessage() + "); remove it and run `warren up` again", e);
        }
    }

    public void saveLogin(Login login) throws IOException {
        ObjectNode n = ControlJson.mapper().createObjectNode();
        if (login.loginServer() != null) {
            n.put("loginServer", login.loginServer().toString());
        }
        if (login.serverKey() != null) {
            n.put("serverKey", login.serverKey().toBase64());
        }
        if (login.hostname() != null) {
            n.put("hostname", login.hostname());
        }
        n.put("wantRunning", login.wantRunning());
        writeSecret(LOGIN, ControlJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    public void forgetLogin() throws IOException {
        Files.deleteIfExists(dir.resolve(LOGIN));
    }

    private PrivateKey readKey(String name) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            return null;
        }
        String text = Files.readString(p, StandardCharsets.US_ASCII).strip();
        try {
            return PrivateKey.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(p + " does not hold a base64 private key: " + e.getMessage(), e);
        }
    }

    private void writeSecret(String name, String content) throws IOException {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
