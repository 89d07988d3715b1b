package dev.warren.wireguard.uapi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads {@code '\n'}-terminated lines from a byte stream with a hard length limit, so a client cannot make
 * the server buffer an unbounded line. Bytes map to chars one to one (ISO-8859-1); the protocol is ASCII
 * and any other byte simply fails validation later. Not thread-safe: one per connection.
 */
final class LineReader {
    private final InputStream in;
    private final int maxLineLength;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int end;
    private boolean eof;

    LineReader(InputStream in, int maxLineLength) {
        this.in = in;
        this.maxLineLength = maxLineLength;
    }

    /**
     * The next line without its {@code '\n'} (a preceding {@code '\r'} is kept), or null at end of stream
     * before any byte of a new line.
     *
     * @throws UapiException EIO if the line exceeds the limit, EPROTO if the stream ends inside a line
     */
    String readLine() throws IOException, UapiException {
        StringBuilder sb = null;
        int length = 0;
        while (true) {
            if (pos == end && !fill()) {
                if (length == 0) {
                    return null;
                }
                throw new UapiException(UapiException.EPROTO, "input ended inside a line (no trailing newline)");
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            int chunk = pos - start;
            length += chunk;
            if (length > maxLineLength) {
                throw new UapiException(UapiException.EIO, "line longer than " + maxLineLength + " bytes");
            }
            if (pos < end) {
                pos++; // consume '\n'
                if (sb == null) {
                    return new String(buf, start, chunk, StandardCharsets.ISO_8859_1);
                }
                sb.append(new String(buf, start, chunk, StandardCharsets.ISO_8859_1));
                return sb.toString();
            }
            if (sb == null) {
                sb = new StringBuilder(Math.max(16, chunk * 2));
            }
            sb.append(new String(buf, start, chunk, StandardCharsets.ISO_8859_1));
        }
    }

    private boolean fill() throws IOException {
        while (!eof) {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                eof = true;
            } else if (n > 0) {
                pos = 0;
                end = n;
                return true;
            }
        }
        return false;
    }
}
