package dev.warren.channel;

import dev.warren.channel.internal.Endpoints;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a control server's static public key from {@code GET <serverBase>/key}, which answers
 * {@code {"publicKey":"<base64>","capabilityVersion":N}} (see {@link ControlChannelServer#installKeyEndpoint}).
 *
 * <p>Trust: the answer is only as trustworthy as the channel it came over (https with Web PKI, or a key pinned in
 * configuration); the Noise handshake then proves the server holds the matching private key.
 */
public final class ServerKey {
    private static final Pattern PUBLIC_KEY = Pattern.compile("\"publicKey\"\\s*:\\s*\"([A-Za-z0-9+/=_-]{1,100})\"");
    private static final int MAX_BODY = 4096;

    private ServerKey() {
    }

    /**
     * The server's public key.
     *
     * @throws IOException naming the URL and the problem: unreachable, timeout, HTTP error status, or a body that
     *     carries no valid key
     */
    public static PublicKey fetch(URI serverBase, Duration timeout) throws IOException {
        URI uri;
        try {
            uri = Endpoints.http(serverBase, Endpoints.KEY_PATH);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        HttpResponse<byte[]> resp;
        try {
            resp = ControlChannelClient.http().sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                    .get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new HttpTimeoutException("fetching the control server key from " + uri + " timed out after "
                    + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching " + uri);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            String what = c instanceof ConnectException ? "cannot connect" : c instanceof HttpTimeoutException
                    ? "timed out" : "request failed";
            String detail = c == null ? "" : (c.getMessage() == null ? c.toString() : c.getMessage());
            throw new IOException("fetching the control server key from " + uri + ": " + what
                    + (detail.isEmpty() ? "" : " (" + detail + ")"), c);
        }
        if (resp.statusCode() != 200) {
            throw new IOException("fetching the control server key from " + uri + ": HTTP status " + resp.statusCode());
        }
        byte[] body = resp.body();
        if (body.length > MAX_BODY) {
            throw new IOException("fetching the control server key from " + uri + ": response of " + body.length
                    + " bytes is too large for a key");
        }
        Matcher m = PUBLIC_KEY.matcher(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IOException("fetching the control server key from " + uri + ": response has no \"publicKey\" field");
        }
        try {
            return PublicKey.fromBase64(m.group(1));
        } catch (RuntimeException e) {
            throw new IOException("fetching the control server key from " + uri + ": bad publicKey: " + e.getMessage(), e);
        }
    }
}
