package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads UAPI requests from one connection's byte stream: {@code get=1\n\n}, or {@code set=1\n}, then
 * {@code key=value} lines, then an empty line. A whole {@code set} transaction is read and validated
 * before {@link #next} returns it, so a bad line anywhere rejects all of it.
 *
 * <h2>Rules (those of wireguard-go, checked against its {@code device/uapi.go})</h2>
 * <ul>
 *   <li>The operation line must be exactly {@code get=1} or {@code set=1}; {@code get=1} must be followed
 *       by an empty line.</li>
 *   <li>Inside {@code set}, a line is split at its first {@code '='}; a line without one is
 *       {@link UapiException#EPROTO}. A {@code '\r'} before the {@code '\n'} is dropped (Go's line
 *       scanner does that). An empty line ends the transaction; so does the end of the stream at a line
 *       boundary, as in wireguard-go. The end of the stream inside a line is EPROTO.</li>
 *   <li>Device keys ({@code private_key}, {@code listen_port}, {@code fwmark}, {@code replace_peers}) are
 *       valid only before the first {@code public_key}, peer keys only after one; anything else, every
 *       malformed value and {@code protocol_version} other than 1 are {@link UapiException#EINVAL}.</li>
 *   <li>A private key is clamped for Curve25519 unless it is all zeros, as wireguard-go does when it
 *       parses it, so the device stores and later reports the clamped key ({@code wg showconf} shows
 *       it).</li>
 *   <li>Boolean keys accept only {@code true}; numbers are unsigned decimal within their range (16 bits
 *       for ports and keepalive, 32 for fwmark); keys are 64 hex digits; endpoints and prefixes are
 *       numeric ({@code allowed_ip=-PREFIX} removes).</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * A line may hold at most {@code maxLineLength} bytes and a request at most {@code maxLines} lines;
 * exceeding either is {@link UapiException#EIO} (wireguard-go answers an over-long line the same way).
 *
 * <h2>After an error</h2>
 * A validation error inside {@code set} is reported only after the rest of the transaction has been read
 * up to its empty line, so the connection can carry on with the next request; {@link #inSync()} stays
 * true. Errors that leave the stream position unknown (bad operation line, limits, truncation) make
 * {@link #inSync()} false: the caller answers and closes the connection.
 *
 * <p>Not thread-safe: one parser per connection. Error messages never contain key material.
 */
public final class UapiParser {
    /** Default longest line in bytes; real lines are under 100. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 4096;
    /** Default most lines in one request; enough for tens of thousands of peers. */
    public static final int DEFAULT_MAX_LINES = 1 << 18;

    private final LineReader reader;
    private final int maxLines;
    private boolean inSync = true;

    /** A parser with the default limits. */
    public UapiParser(InputStream in) {
        this(in, DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_LINES);
    }

    /** A parser with explicit limits (each at least 1). */
    public UapiParser(InputStream in, int maxLineLength, int maxLines) {
        if (maxLineLength < 1 || maxLines < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.reader = new LineReader(in, maxLineLength);
        this.maxLines = maxLines;
    }

    /**
     * Reads the next request, or returns null when the stream ends cleanly between requests.
     *
     * @throws UapiException the request is invalid; see {@link #inSync()} for whether reading may go on
     * @throws IOException   the stream failed
     */
    public UapiRequest next() throws UapiException, IOException {
        if (!inSync) {
            throw new IllegalStateException("the stream is out of sync after an earlier error");
        }
        String op = readLine();
        if (op == null) {
            return null;
        }
        switch (op) {
            case "get=1" -> {
                String blank = readLine();
                if (blank == null || !blank.isEmpty()) {
                    inSync = false;
                    throw UapiException.invalid("get=1 must be followed by an empty line");
                }
                return new UapiRequest.Get();
            }
            case "set=1" -> {
                return new UapiRequest.Set(readSet());
            }
            default -> {
                inSync = false;
                throw UapiException.invalid("unknown operation " + UapiText.quote(op)
                        + " (expected get=1 or set=1)");
            }
        }
    }

    /** False once an error has left the stream at an unknown position; then close the connection. */
    public boolean inSync() {
        return inSync;
    }

    /** Parses one complete request held in a string (tests, tools). */
    public static UapiRequest parse(String text) throws UapiException {
        try {
            UapiRequest r = new UapiParser(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1))).next();
            if (r == null) {
                throw new UapiException(UapiException.EPROTO, "empty request");
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen with an in-memory stream
        }
    }

    /** Parses a {@code set=1} request held in a string. */
    public static SetRequest parseSet(String text) throws UapiException {
        if (parse(text) instanceof UapiRequest.Set(SetRequest request)) {
            return request;
        }
        throw UapiException.invalid("not a set=1 request");
    }

    private String readLine() throws IOException, UapiException {
        try {
            return reader.readLine();
        } catch (UapiException e) {
            inSync = false;
            throw e;
        }
    }

    private SetRequest readSet() throws IOException, UapiException {
        SetBuilder builder = new SetBuilder();
        UapiException first = null;
        int lineNo = 1; // the set=1 line
        while (true) {
            String raw = readLine();
            if (raw == null) {
                break; // end of stream at a line boundary ends the transaction, as in wireguard-go
            }
            if (++lineNo > maxLines) {
                inSync = false;
                throw new UapiException(UapiException.EIO, "request has more than " + maxLines + " lines");
            }
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isEmpty()) {
                break;
            }
            if (first == null) {
                try {
                    builder.accept(line, lineNo);
                } catch (UapiException e) {
                    first = e; // keep reading to the end of the transaction, then report it
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return builder.build();
    }

    /** Accumulates one set transaction. */
    private static final class SetBuilder {
        private PrivateKey privateKey;
        private Integer listenPort;
        private Integer fwmark;
        private boolean replacePeers;
        private final List<PeerChange> peers = new ArrayList<>();
        private PeerBuilder peer;

        void accept(String line, int lineNo) throws UapiException {
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new UapiException(UapiException.EPROTO,
                        "line " + lineNo + ": expected key=value, got " + UapiText.quote(line));
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            if (key.equals("public_key")) {
                if (peer != null) {
                    peers.add(peer.build());
                }
                peer = new PeerBuilder(PublicKey.fromHex(hexKey(value, key, lineNo)));
            } else if (peer == null) {
                device(key, value, lineNo);
            } else {
                peer.accept(key, value, lineNo);
            }
        }

        private void device(String key, String value, int lineNo) throws UapiException {
            switch (key) {
                case "private_key" ->
                        privateKey = UapiText.clampUnlessZero(PrivateKey.fromHex(hexKey(value, key, lineNo)));
                case "listen_port" -> listenPort = (int) number(value, 0xffff, key, lineNo);
                case "fwmark" -> fwmark = (int) number(value, 0xffff_ffffL, key, lineNo);
                case "replace_peers" -> replacePeers = isTrue(value, key, lineNo);
                default -> throw UapiException.invalid("line " + lineNo + ": " + (isPeerKey(key)
                        ? "key " + UapiText.quote(key) + " needs a peer: it must follow a public_key line"
                        : "invalid device key " + UapiText.quote(key)));
            }
        }

        SetRequest build() {
            if (peer != null) {
                peers.add(peer.build());
                peer = null;
            }
            return new SetRequest(privateKey, listenPort, fwmark, replacePeers, peers);
        }
    }

    /** Accumulates one public_key section. */
    private static final class PeerBuilder {
        private final PublicKey publicKey;
        private boolean remove;
        private boolean updateOnly;
        private PresharedKey presharedKey;
        private Endpoint endpoint;
        private Integer keepalive;
        private boolean replaceAllowedIps;
        private final Set<IpPrefix> add = new LinkedHashSet<>();
        private final Set<IpPrefix> drop = new LinkedHashSet<>();

        PeerBuilder(PublicKey publicKey) {
            this.publicKey = publicKey;
        }

        void accept(String key, String value, int lineNo) throws UapiException {
            switch (key) {
                case "remove" -> remove = isTrue(value, key, lineNo);
                case "update_only" -> updateOnly = isTrue(value, key, lineNo);
                case "preshared_key" -> presharedKey = PresharedKey.fromHex(hexKey(value, key, lineNo));
                case "endpoint" -> {
                    endpoint = UapiText.parseEndpoint(value);
                    if (endpoint == null) {
                        throw UapiException.invalid("line " + lineNo + ": endpoint " + UapiText.quote(value)
                                + " is not a numeric IPv4:port or [IPv6]:port");
                    }
                }
                case "persistent_keepalive_interval" -> keepalive = (int) number(value, 0xffff, key, lineNo);
                case "replace_allowed_ips" -> {
                    replaceAllowedIps = isTrue(value, key, lineNo);
                    add.clear();
                    drop.clear();
                }
                case "allowed_ip" -> {
                    boolean removal = value.startsWith("-");
                    IpPrefix prefix = UapiText.parsePrefix(removal ? value.substring(1) : value);
                    if (prefix == null) {
                        throw UapiException.invalid("line " + lineNo + ": allowed_ip " + UapiText.quote(value)
                                + " is not an IP prefix ADDRESS/BITS");
                    }
                    if (removal) {
                        add.remove(prefix);
                        drop.add(prefix);
                    } else {
                        drop.remove(prefix);
                        add.remove(prefix); // a re-added prefix moves to the end
                        add.add(prefix);
                    }
                }
                case "protocol_version" -> {
                    if (!value.equals("1")) {
                        throw UapiException.invalid("line " + lineNo + ": unsupported protocol_version "
                                + UapiText.quote(value) + " (only 1)");
                    }
                }
                default -> throw UapiException.invalid("line " + lineNo + ": " + (isDeviceKey(key)
                        ? "device key " + UapiText.quote(key) + " must come before the first public_key"
                        : "invalid peer key " + UapiText.quote(key)));
            }
        }

        PeerChange build() {
            if (remove) {
                return PeerChange.removal(publicKey);
            }
            return new PeerChange(publicKey, false, updateOnly, presharedKey, endpoint, keepalive,
                    replaceAllowedIps, List.copyOf(add), List.copyOf(drop));
        }
    }

    // ---------------------------------------------------------------- values

    private static String hexKey(String value, String key, int lineNo) throws UapiException {
        if (!UapiText.isHexKey(value)) {
            throw UapiException.invalid("line " + lineNo + ": " + key + " must be 64 hex digits");
        }
        return value;
    }

    private static long number(String value, long max, String key, int lineNo) throws UapiException {
        Long n = UapiText.parseUnsigned(value, max);
        if (n == null) {
            throw UapiException.invalid("line " + lineNo + ": " + key + " " + UapiText.quote(value)
                    + " is not a decimal number in 0.." + max);
        }
        return n;
    }

    private static boolean isTrue(String value, String key, int lineNo) throws UapiException {
        if (!value.equals("true")) {
            throw UapiException.invalid("line " + lineNo + ": " + key + " accepts only \"true\", got "
                    + UapiText.quote(value));
        }
        return true;
    }

    private static boolean isDeviceKey(String key) {
        return switch (key) {
            case "private_key", "listen_port", "fwmark", "replace_peers" -> true;
            default -> false;
        };
    }

    private static boolean isPeerKey(String key) {
        return switch (key) {
            case "remove", "update_only", "preshared_key", "endpoint", "persistent_keepalive_interval",
                 "replace_allowed_ips", "allowed_ip", "protocol_version" -> true;
            default -> false;
        };
    }
}
