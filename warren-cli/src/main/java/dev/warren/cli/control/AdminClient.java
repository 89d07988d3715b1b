package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.wire.control.ControlJson;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A small client of the control server's admin REST API (java.net.http, JSON, bearer token). */
final class AdminClient {
    static final ObjectMapper JSON = ControlJson.mapper();

    /** A failure to show the user as one line. */
    static final class ApiException extends Exception {
        /** The server's {@code error} object, or null when the failure was not an answer of the server. */
        final transient JsonNode error;

        ApiException(String message) {
            this(message, null);
        }

        ApiException(String message, JsonNode error) {
            super(message);
            this.error = error;
        }
    }

    private final URI server;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminClient(URI server, String token) {
        this.server = server;
        this.token = token;
    }

    /** From {@code --server/--token}, else from the state directory's control.json and admin.token. */
    static AdminClient locate(Path state, String server, String token) throws ApiException {
        try {
            if (server == null) {
                Path cj = state.resolve("control.json");
                if (!Files.isReadable(cj)) {
                    throw new ApiException("cannot read " + cj + ": is the control server running with --state "
                            + state + "? (or pass --server URL --token TOKEN)");
                }
                JsonNode n = JSON.readTree(cj.toFile());
                if (n == null || !n.hasNonNull("url")) {
                    throw new ApiException(cj + " has no \"url\"");
                }
                server = n.get("url").asText();
            }
            if (token == null) {
                Path t = state.resolve("admin.token");
                if (!Files.isReadable(t)) {
                    throw new ApiException("cannot read " + t + " (run as the server's user, or pass --token)");
                }
                token = Files.readString(t).strip();
            }
            URI u = URI.create(server.endsWith("/") ? server.substring(0, server.length() - 1) : server);
            if (u.getScheme() == null || u.getHost() == null) {
                throw new ApiException("server URL '" + server
                        + "' needs a scheme and host, like http://127.0.0.1:8080");
            }
            return new AdminClient(u, token);
        } catch (IOException | IllegalArgumentException e) {
            throw new ApiException("cannot locate the control server: " + e.getMessage());
        }
    }

    JsonNode get(String path) throws ApiException {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) throws ApiException {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) throws ApiException {
        return send("PUT", path, body);
    }

    JsonNode delete(String path) throws ApiException {
        return send("DELETE", path, null);
    }

    /** GET of a plain-text resource (a policy file): its body as it is. */
    String getText(String path) throws ApiException {
        HttpResponse<String> r = exchange("GET", path, null, null);
        if (r.statusCode() >= 400) {
            throw failure(r);
        }
        return r.body();
    }

    /** PUT of a plain-text body (a policy file); the JSON answer. */
    JsonNode putText(String path, String text) throws ApiException {
        HttpResponse<String> r = exchange("PUT", path, "text/plain; charset=utf-8",
                HttpRequest.BodyPublishers.ofString(text, java.nio.charset.StandardCharsets.UTF_8));
        if (r.statusCode() >= 400) {
            throw failure(r);
        }
        return r.body().isBlank() ? JSON.createObjectNode() : parse(r.body());
    }

    private static ApiException failure(HttpResponse<String> r) {
        JsonNode n = r.body().isBlank() ? JSON.createObjectNode() : parse(r.body());
        JsonNode err = n.path("error");
        String msg = err.path("message").asText("HTTP " + r.statusCode());
        String code = err.path("code").asText("");
        return new ApiException(msg + (code.isEmpty() ? "" : " (" + code + ")"), err.isObject() ? err : null);
    }

    private HttpResponse<String> exchange(String method, String path, String contentType,
                                          HttpRequest.BodyPublisher body) throws ApiException {
        return exchange(method, path, contentType, body, null);
    }

    /** One request; {@code accept} (may be null) names the response type asked for. */
    private HttpResponse<String> exchange(String method, String path, String contentType,
                                          HttpRequest.BodyPublisher body, String accept) throws ApiException {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token);
            if (accept != null) {
                b.header("Accept", accept);
            }
            if (body != null) {
                b.header("Content-Type", contentType).method(method, body);
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new ApiException("cannot connect to the control server at " + server + ": is it running?");
        } catch (IOException e) {
            throw new ApiException("request to " + server + path + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted");
        }
    }

    private JsonNode send(String method, String path, Object body) throws ApiException {
        HttpRequest.BodyPublisher json = null;
        if (body != null) {
            try {
                json = HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new ApiException("request to " + server + path + " failed: " + e.getMessage());
            }
        }
        HttpResponse<String> r = exchange(method, path, "application/json", json, "application/json");
        if (r.statusCode() >= 400) {
            throw failure(r);
        }
        return r.body().isBlank() ? JSON.createObjectNode() : parse(r.body());
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return JSON.createObjectNode().put("raw", s);
        }
    }
}
