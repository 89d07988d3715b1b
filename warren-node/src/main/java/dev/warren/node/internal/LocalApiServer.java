package dev.warren.node.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warren.node.NodeBackend;
import dev.warren.node.PeerInfo;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.net.IpAddresses;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The local API: newline-delimited JSON over a Unix socket, one request per connection.
 *
 * <pre>
 * request   {"op": "up" | "down" | "logout" | "status" | "ip" | "ping" | "netcheck" | "whois" | "filter",
 *           ...arguments}\n
 * response  zero or more progress lines ({"authUrl": "..."} while an interactive login waits), then exactly one
 *           {"result": ...}\n or {"error": "a sentence"}\n; the server then closes the connection
 * </pre>
 * A malformed or unknown request gets an error line and changes nothing; the daemon never dies of a client's bytes.
 * The socket is mode 0600 (root only) in a 0755 directory; at most {@link #MAX_CLIENTS} requests run at once and a
 * request line may not exceed {@link #MAX_REQUEST} bytes.
 *
 * <p>Concurrency: one virtual thread accepts; each connection gets its own virtual thread.
 */
public final class LocalApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.node");
    public static final int MAX_REQUEST = 64 * 1024;
    public static final int MAX_CLIENTS = 64;
    /** How long {@code netcheck} may take unless the request says otherwise. */
    public static final Duration NETCHECK_TIMEOUT = Duration.ofSeconds(10);
    static final ObjectMapper JSON = ControlJson.mapper();

    private final Path path;
    private final ServerSocketChannel server;
    private final NodeBackend backend;
    private final Semaphore slots = new Semaphore(MAX_CLIENTS);
    private final Thread acceptor;

    private LocalApiServer(Path path, ServerSocketChannel server, NodeBackend backend) {
        this.path = path;
        this.server = server;
        this.backend = backend;
        this.acceptor = Thread.ofVirtual().name("warren-api").unstarted(this::acceptLoop);
    }

    /** Binds {@code socket} (replacing a stale one, refusing a live one) and starts serving. */
    public static LocalApiServer start(Path socket, NodeBackend backend) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            try {
                Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // not POSIX
            }
        }
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                throw new IOException("another node daemon is already serving " + socket);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("another node daemon")) {
                    throw e;
                }
                Files.deleteIfExists(socket); // stale socket of a daemon that died
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not POSIX
            }
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot serve the local API on " + socket + ": " + e.getMessage(), e);
        }
        LocalApiServer s = new LocalApiServer(socket, ch, backend);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "local API accept failed: {0}", e.getMessage());
                continue;
            }
            if (!slots.tryAcquire()) {
                try (c) {
                    c.write(java.nio.ByteBuffer.wrap("{\"error\":\"too many local API clients\"}\n".getBytes()));
                } catch (IOException ignored) {
                    // the client went away
                }
                continue;
            }
            Thread.ofVirtual().name("warren-api-conn").start(() -> {
                try (c) {
                    serve(Channels.newInputStream(c), Channels.newOutputStream(c));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "local API connection: {0}", e.getMessage());
                } finally {
                    slots.release();
                }
            });
        }
    }

    /** Serves one request from {@code in}, writing the response lines to {@code out}. */
    void serve(InputStream in, OutputStream out) throws IOException {
        ObjectNode reply;
        try {
            JsonNode req = parse(readLine(in));
            reply = JSON.createObjectNode().set("result", dispatch(req, out));
        } catch (BadRequest e) {
            reply = error(e.getMessage());
        } catch (IOException e) {
            reply = error(e.getMessage() != null ? e.getMessage() : e.toString());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "local API request failed", e);
            reply = error("internal error: " + e);
        }
        writeLine(out, reply);
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    private static String readLine(InputStream in) throws IOException, BadRequest {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0 || c == '\n') {
                break;
            }
            if (b.size() >= MAX_REQUEST) {
                throw new BadRequest("request longer than " + MAX_REQUEST + " bytes");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String line) throws BadRequest {
        if (line.isBlank()) {
            throw new BadRequest("empty request; send one JSON object such as {\"op\":\"status\"}");
        }
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.isObject()) {
                throw new BadRequest("request must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            String m = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("");
            throw new BadRequest("malformed request: " + m);
        }
    }

    private static String text(JsonNode req, String field, boolean required) throws BadRequest {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRequest("request field \"" + field + "\" is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequest("request field \"" + field + "\" must be a string");
        }
        return v.asText();
    }

    private JsonNode dispatch(JsonNode req, OutputStream out) throws IOException, BadRequest {
        String op = text(req, "op", true);
        return switch (op) {
            case "up" -> {
                URI server;
                try {
                    server = URI.create(text(req, "loginServer", true));
                } catch (IllegalArgumentException e) {
                    throw new BadRequest("loginServer is not a URL: " + e.getMessage());
                }
                if (server.getScheme() == null || server.getHost() == null) {
                    throw new BadRequest("loginServer \"" + server + "\" must be an absolute URL such as https://control.example.com");
                }
                long timeout = req.path("timeoutSeconds").asLong(NodeBackend.UP_TIMEOUT.toSeconds());
                backend.up(server, text(req, "authKey", false), text(req, "hostname", false), url -> {
                    try {
                        writeLine(out, JSON.createObjectNode().put("authUrl", url));
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, "client left during login: {0}", e.getMessage());
                    }
                }, Duration.ofSeconds(Math.max(1, timeout)));
                yield JSON.valueToTree(backend.status());
            }
            case "down" -> {
                backend.down();
                yield JSON.valueToTree(backend.status());
            }
            case "logout" -> {
                backend.logout();
                yield JSON.valueToTree(backend.status());
            }
            case "status" -> JSON.valueToTree(backend.status());
            case "ip" -> JSON.valueToTree(backend.status().selfAddresses());
            case "ping" -> {
                long ms = req.path("timeoutMillis").asLong(5000);
                if (ms <= 0 || ms > 600_000) {
                    throw new BadRequest("timeoutMillis must be 1..600000");
                }
                yield JSON.valueToTree(backend.ping(text(req, "peer", true), Duration.ofMillis(ms)));
            }
            case "netcheck" -> {
                long ms = req.path("timeoutMillis").asLong(NETCHECK_TIMEOUT.toMillis());
                if (ms <= 0 || ms > 60_000) {
                    throw new BadRequest("timeoutMillis must be 1..60000");
                }
                yield JSON.readTree(backend.netcheck(Duration.ofMillis(ms)));
            }
            case "whois" -> {
                String a = text(req, "address", true);
                byte[] ip = IpAddresses.tryParse(a);
                if (ip == null) {
                    throw new BadRequest("\"" + a + "\" is not an IP address");
                }
                Optional<PeerInfo> p = backend.whois(IpAddresses.toInetAddress(ip));
                if (p.isEmpty()) {
                    throw new IOException("no peer in the network map has address " + a);
                }
                yield JSON.valueToTree(p.get());
            }
            case "filter" -> JSON.valueToTree(backend.filter());
            default -> throw new BadRequest("unknown op \"" + op
                    + "\"; expected up, down, logout, status, ip, ping, netcheck, whois or filter");
        };
    }

    private static void writeLine(OutputStream out, JsonNode n) throws IOException {
        synchronized (out) {
            out.write(JSON.writeValueAsBytes(n));
            out.write('\n');
            out.flush();
        }
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", path, e.getMessage());
        }
    }
}
