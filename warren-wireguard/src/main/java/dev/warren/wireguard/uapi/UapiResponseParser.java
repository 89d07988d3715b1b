package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side: reads the responses a UAPI server (this one or wireguard-go) sends, the way the
 * {@code wg} tool's {@code ipc-uapi.h} does. Keys it does not know are skipped, as {@code wg} skips them,
 * so extensions of other implementations do not break it; a known key with a malformed value is
 * {@link UapiException#EPROTO}. A non-zero {@code errno=} line becomes a {@link UapiException} carrying
 * that errno (the sign on the wire is ignored).
 */
public final class UapiResponseParser {
    private static final int MAX_LINE = 4096;

    private UapiResponseParser() {
    }

    /** Reads a {@code get=1} response up to and including its empty line. */
    public static DeviceState parseGet(InputStream in) throws UapiException, IOException {
        LineReader reader = new LineReader(in, MAX_LINE);
        PrivateKey privateKey = null;
        int listenPort = 0;
        int fwmark = 0;
        List<PeerState> peers = new ArrayList<>();
        PeerAcc peer = null;
        String line;
        while ((line = reader.readLine()) != null) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw protocol("line without '=': " + UapiText.quote(line));
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            if (key.equals("errno")) {
                int errno = errnoValue(value);
                String blank = reader.readLine();
                if (errno != 0) {
                    throw new UapiException(errno, "server answered errno=" + value);
                }
                if (blank == null || !blank.isEmpty()) {
                    throw protocol("errno line not followed by an empty line");
                }
                if (peer != null) {
                    peers.add(peer.build());
                }
                return new DeviceState(privateKey, listenPort, fwmark, peers);
            }
            if (key.equals("public_key")) {
                if (peer != null) {
                    peers.add(peer.build());
                }
                peer = new PeerAcc(PublicKey.fromHex(hex(value, key)));
                continue;
            }
            if (peer == null) {
                switch (key) {
                    case "private_key" -> privateKey = PrivateKey.fromHex(hex(value, key));
                    case "listen_port" -> listenPort = (int) num(value, 0xffff, key);
                    case "fwmark" -> fwmark = (int) num(value, 0xffff_ffffL, key);
                    default -> { } // unknown device key: skip, as wg does
                }
                continue;
            }
            switch (key) {
                case "preshared_key" -> peer.psk = PresharedKey.fromHex(hex(value, key));
                case "endpoint" -> {
                    peer.endpoint = UapiText.parseEndpoint(value);
                    if (peer.endpoint == null) {
                        throw protocol("bad endpoint " + UapiText.quote(value));
                    }
                }
                case "last_handshake_time_sec" -> peer.sec = num(value, Long.MAX_VALUE / 1_000_000_000L, key);
                case "last_handshake_time_nsec" -> peer.nsec = num(value, 999_999_999L, key);
                case "tx_bytes" -> peer.tx = unsigned64(value, key);
                case "rx_bytes" -> peer.rx = unsigned64(value, key);
                case "persistent_keepalive_interval" -> peer.keepalive = (int) num(value, 0xffff, key);
                case "allowed_ip" -> {
                    IpPrefix p = UapiText.parsePrefix(value);
                    if (p == null) {
                        throw protocol("bad allowed_ip " + UapiText.quote(value));
                    }
                    peer.allowedIps.add(p);
                }
                default -> { } // protocol_version and unknown peer keys
            }
        }
        throw protocol("response ended before its errno line");
    }

    /** Reads the response to a {@code set=1} request; returns normally for {@code errno=0}. */
    public static void parseSetResult(InputStream in) throws UapiException, IOException {
        LineReader reader = new LineReader(in, MAX_LINE);
        String line = reader.readLine();
        if (line == null || !line.startsWith("errno=")) {
            throw protocol("expected an errno line, got " + (line == null ? "end of stream" : UapiText.quote(line)));
        }
        int errno = errnoValue(line.substring("errno=".length()));
        String blank = reader.readLine();
        if (errno != 0) {
            throw new UapiException(errno, "server answered " + line);
        }
        if (blank == null || !blank.isEmpty()) {
            throw protocol("errno line not followed by an empty line");
        }
    }

    private static int errnoValue(String value) throws UapiException {
        String digits = value.startsWith("-") ? value.substring(1) : value;
        Long n = UapiText.parseUnsigned(digits, Integer.MAX_VALUE);
        if (n == null) {
            throw protocol("bad errno " + UapiText.quote(value));
        }
        return n.intValue();
    }

    private static String hex(String value, String key) throws UapiException {
        if (!UapiText.isHexKey(value)) {
            throw protocol(key + " is not 64 hex digits");
        }
        return value;
    }

    private static long num(String value, long max, String key) throws UapiException {
        Long n = UapiText.parseUnsigned(value, max);
        if (n == null) {
            throw protocol(key + " " + UapiText.quote(value) + " is not a number in 0.." + max);
        }
        return n;
    }

    private static long unsigned64(String value, String key) throws UapiException {
        if (value.isEmpty() || value.length() > 20 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw protocol(key + " " + UapiText.quote(value) + " is not an unsigned 64-bit number");
        }
        try {
            return Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw protocol(key + " " + UapiText.quote(value) + " is not an unsigned 64-bit number");
        }
    }

    private static UapiException protocol(String message) {
        return new UapiException(UapiException.EPROTO, message);
    }

    private static final class PeerAcc {
        final PublicKey key;
        PresharedKey psk;
        Endpoint endpoint;
        long sec;
        long nsec;
        long tx;
        long rx;
        int keepalive;
        final List<IpPrefix> allowedIps = new ArrayList<>();

        PeerAcc(PublicKey key) {
            this.key = key;
        }

        PeerState build() {
            return new PeerState(key, psk, endpoint, sec * 1_000_000_000L + nsec, tx, rx, keepalive, allowedIps);
        }
    }
}
