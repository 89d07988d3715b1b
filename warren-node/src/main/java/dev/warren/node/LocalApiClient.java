package dev.warren.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warren.wire.control.ControlJson;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The CLI's side of the local API (see {@code docs/node.md}): one connection per call, a JSON request line, progress
 * lines, then one result or error line.
 */
public final class LocalApiClient {
    private static final ObjectMapper JSON = ControlJson.mapper();

    /** The daemon's socket is missing or refuses connections. */
    public static final class DaemonUnreachableException extends IOException {
        public DaemonUnreachableException(Path socket, Throwable cause) {
            super("cannot reach the node daemon at " + socket + ": is `warren node` running?", cause);
        }
    }

    private final Path socket;

    public LocalApiClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Logs in; {@code onAuthUrl} gets the URL of an interactive login while this waits for it to finish. */
    public Status up(URI loginServer, String authKey, String hostname, Duration timeout, Consumer<String> onAuthUrl)
            throws IOException {
        ObjectNode r = request("up").put("loginServer", loginServer.toString());
        if (authKey != null) {
            r.put("authKey", authKey);
        }
        if (hostname != null) {
            r.put("hostname", hostname);
        }
        if (timeout != null) {
            r.put("timeoutSeconds", Math.max(1, timeout.toSeconds()));
        }
        return JSON.treeToValue(call(r, p -> {
            if (p.hasNonNull("authUrl")) {
                onAuthUrl.accept(p.get("authUrl").asText());
            }
        }), Status.class);
    }

    public Status down() throws IOException {
        return JSON.treeToValue(call(request("down"), p -> { }), Status.class);
    }

    public Status logout() throws IOException {
        return JSON.treeToValue(call(request("logout"), p -> { }), Status.class);
    }

    public Status status() throws IOException {
        return JSON.treeToValue(call(request("status"), p -> { }), Status.class);
    }

    /** This node's Warren addresses. */
    public List<String> ip() throws IOException {
        JsonNode n = call(request("ip"), p -> { });
        return JSON.readerForListOf(String.class).readValue(n);
    }

    public PingResult ping(String peer, Duration timeout) throws IOException {
        ObjectNode r = request("ping").put("peer", peer).put("timeoutMillis", timeout.toMillis());
        return JSON.treeToValue(call(r, p -> { }), PingResult.class);
    }

    /**
     * Runs a netcheck in the daemon (magicsock's STUN probes, port-mapping probes and relay latencies) and returns
     * its report as JSON: udp, ipv4, ipv6, globalV4, globalV6, mappingVariesByDestIP, upnp, pmp, pcp, regions
     * (id, code, latencyMs, via) and preferredRegion.
     */
    public JsonNode netcheck(Duration timeout) throws IOException {
        return call(request("netcheck").put("timeoutMillis", timeout.toMillis()), p -> { });
    }

    /** The peer owning {@code address}, or empty when none does. */
    public Optional<PeerInfo> whois(String address) throws IOException {
        ObjectNode r = request("whois").put("address", address);
        try {
            return Optional.of(JSON.treeToValue(call(r, p -> { }), PeerInfo.class));
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no peer in the network map")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The packet filter's rules and counters ({@code warren filter}). */
    public dev.warren.filter.FilterSnapshot filter() throws IOException {
        return JSON.treeToValue(call(request("filter"), p -> { }), dev.warren.filter.FilterSnapshot.class);
    }

    private static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /** Sends one request; returns its result, passing progress lines to {@code progress}; errors become IOExceptions. */
    public JsonNode call(ObjectNode request, Consumer<JsonNode> progress) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (NoSuchFileException | SocketException e) {
            throw new DaemonUnreachableException(socket, e);
        } catch (IOException e) {
            if (e.getMessage() != null && (e.getMessage().contains("No such file") || e.getMessage().contains("refused"))) {
                throw new DaemonUnreachableException(socket, e);
            }
            throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
        }
        try (ch) {
            OutputStream out = Channels.newOutputStream(ch);
            out.write(JSON.writeValueAsBytes(request));
            out.write('\n');
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode n = JSON.readTree(line);
                if (n.has("error")) {
                    throw new IOException(n.get("error").asText());
                }
                if (n.has("result")) {
                    return n.get("result");
                }
                progress.accept(n);
            }
            throw new IOException("the node daemon closed the connection without an answer");
        }
    }
}
