package dev.warren.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The little HTTP/1.1 both relay ends need: read one message head (start line and headers, CRLF or LF line ends)
 * byte by byte — so nothing after the blank line is consumed and the frame stream starts exactly there — and
 * write a response. Heads longer than {@link RelayProtocol#MAX_HTTP_HEAD} bytes are refused.
 */
public final class Http1 {
    /**
     * A parsed head: the start line split on spaces, header names in lower case (the last value wins).
     */
    public record Head(String startLine, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Thrown for a head that is not HTTP/1.1 as this reader accepts it; the message says why. */
    public static final class BadHttpException extends IOException {
        public BadHttpException(String message) {
            super(message);
        }
    }

    private Http1() {
    }

    /** Reads a head; {@link java.io.EOFException} if the stream ends before the blank line. */
    public static Head readHead(InputStream in) throws IOException {
        byte[] buf = new byte[RelayProtocol.MAX_HTTP_HEAD];
        int n = 0;
        String start = null;
        Map<String, String> headers = new LinkedHashMap<>();
        int lineStart = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("connection closed inside the HTTP head");
            }
            if (n == buf.length) {
                throw new BadHttpException("HTTP head longer than " + buf.length + " bytes");
            }
            buf[n++] = (byte) c;
            if (c != '\n') {
                continue;
            }
            int end = n - 1;
            if (end > lineStart && buf[end - 1] == '\r') {
                end--;
            }
            String line = new String(buf, lineStart, end - lineStart, StandardCharsets.ISO_8859_1);
            lineStart = n;
            if (start == null) {
                if (line.isEmpty()) {
                    throw new BadHttpException("empty HTTP start line");
                }
                start = line;
                continue;
            }
            if (line.isEmpty()) {
                return new Head(start, headers);
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadHttpException("HTTP header line without a name and colon: '" + abbreviate(line) + "'");
            }
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
    }

    /** Writes a complete response with a text body and closes nothing. */
    public static void writeResponse(OutputStream out, int status, String reason, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
