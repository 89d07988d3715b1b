package dev.warren.wireguard.uapi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A minimal UAPI client for tests: sends raw text and reads one response up to {@code errno=N\n\n}. */
final class TestClient implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;

    TestClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = Channels.newInputStream(channel);
    }

    /** Sends {@code request} and returns the response, or what arrived before the server closed. */
    String request(String request) throws IOException {
        channel.write(java.nio.ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        return readResponse();
    }

    /** Reads until a line starting with {@code errno=} and the empty line after it, or end of stream. */
    String readResponse() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder line = new StringBuilder();
        boolean sawErrno = false;
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b);
            if (b != '\n') {
                line.append((char) b);
                continue;
            }
            if (sawErrno && line.isEmpty()) {
                break;
            }
            sawErrno = line.toString().startsWith("errno=");
            line.setLength(0);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** True if the server has closed the connection (a read returns end of stream). */
    boolean isClosedByServer() throws IOException {
        return in.read() < 0;
    }

    /** One request on a fresh connection. */
    static String once(Path socket, String request) throws IOException {
        try (TestClient c = new TestClient(socket)) {
            return c.request(request);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
