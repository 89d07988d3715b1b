package dev.warren.wireguard.uapi;

import dev.warren.wire.key.Key32;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.net.IpPrefix;

/**
 * Formats UAPI text. The {@code get=1} response is byte-for-byte what wireguard-go writes (its
 * {@code IpcGetOperation}):
 * <pre>
 * private_key=HEX                  only if set and not all zeros
 * listen_port=N                    only if not 0
 * fwmark=N                         only if not 0 (unsigned)
 * then per peer:
 * public_key=HEX
 * preshared_key=HEX                always, 64 zeros when none
 * protocol_version=1
 * endpoint=ADDR:PORT               only if known; [IPv6]:PORT
 * last_handshake_time_sec=N        0 and 0 when never
 * last_handshake_time_nsec=N
 * tx_bytes=N                       unsigned
 * rx_bytes=N                       unsigned
 * persistent_keepalive_interval=N  always, 0 when off
 * allowed_ip=PREFIX                one per prefix, in the peer's order
 * errno=0
 * (empty line)
 * </pre>
 * Keys are lowercase hex; addresses are printed as Go's {@code netip} prints them. An IPv6 endpoint's
 * scope is printed as {@code %N} (numeric): current wireguard-go and the kernel keep the zone, while
 * wireguard-go 0.0.20220316's Linux bind drops it ({@code [fe80::1]:1}). Errors are answered
 * with {@code errno=-N} and an empty line, N the positive errno (see {@link UapiException}).
 *
 * <p>It also writes {@code set=1} requests the way the {@code wg} tool does, for clients of other
 * implementations (the lab drives wireguard-go with it) and for round-trip tests.
 */
public final class UapiWriter {
    /** The {@code get=1} request. */
    public static final String GET_REQUEST = "get=1\n\n";

    private UapiWriter() {
    }

    /** The full {@code get=1} response for {@code state}, ending with {@code errno=0} and an empty line. */
    public static String formatGetResponse(DeviceState state) {
        StringBuilder sb = new StringBuilder(256 + 320 * state.peers().size());
        if (state.privateKey() != null && !state.privateKey().isZero()) {
            key(sb, "private_key", state.privateKey());
        }
        if (state.listenPort() != 0) {
            sb.append("listen_port=").append(state.listenPort()).append('\n');
        }
        if (state.fwmark() != 0) {
            sb.append("fwmark=").append(Integer.toUnsignedString(state.fwmark())).append('\n');
        }
        for (PeerState p : state.peers()) {
            key(sb, "public_key", p.publicKey());
            key(sb, "preshared_key", p.presharedKey());
            sb.append("protocol_version=1\n");
            if (p.endpoint() != null) {
                sb.append("endpoint=").append(UapiText.formatEndpoint(p.endpoint())).append('\n');
            }
            long nanos = p.lastHandshakeEpochNanos();
            sb.append("last_handshake_time_sec=").append(nanos / 1_000_000_000L).append('\n');
            sb.append("last_handshake_time_nsec=").append(nanos % 1_000_000_000L).append('\n');
            sb.append("tx_bytes=").append(Long.toUnsignedString(p.txBytes())).append('\n');
            sb.append("rx_bytes=").append(Long.toUnsignedString(p.rxBytes())).append('\n');
            sb.append("persistent_keepalive_interval=").append(p.persistentKeepaliveSeconds()).append('\n');
            for (IpPrefix prefix : p.allowedIps()) {
                sb.append("allowed_ip=").append(UapiText.formatPrefix(prefix)).append('\n');
            }
        }
        sb.append("errno=0\n\n");
        return sb.toString();
    }

    /** {@code errno=0\n\n} for 0, else {@code errno=-N\n\n} for a positive errno N. */
    public static String formatErrno(int errno) {
        if (errno < 0) {
            throw new IllegalArgumentException("pass the positive errno, got " + errno);
        }
        return errno == 0 ? "errno=0\n\n" : "errno=-" + errno + "\n\n";
    }

    /**
     * A {@code set=1} request that {@link UapiParser} turns back into an equal {@link SetRequest}. Lines
     * come in the {@code wg} tool's order; removals use {@code allowed_ip=-PREFIX}, which only recent
     * wireguard-go releases understand (0.0.20220316 rejects it), and {@code update_only=true}, which the
     * {@code wg} tool never sends.
     */
    public static String formatSetRequest(SetRequest r) {
        StringBuilder sb = new StringBuilder(128 + 256 * r.peers().size());
        sb.append("set=1\n");
        if (r.privateKey() != null) {
            key(sb, "private_key", r.privateKey());
        }
        if (r.listenPort() != null) {
            sb.append("listen_port=").append(r.listenPort()).append('\n');
        }
        if (r.fwmark() != null) {
            sb.append("fwmark=").append(Integer.toUnsignedString(r.fwmark())).append('\n');
        }
        if (r.replacePeers()) {
            sb.append("replace_peers=true\n");
        }
        for (PeerChange p : r.peers()) {
            key(sb, "public_key", p.publicKey());
            if (p.remove()) {
                sb.append("remove=true\n");
                continue;
            }
            if (p.updateOnly()) {
                sb.append("update_only=true\n");
            }
            PresharedKey psk = p.presharedKey();
            if (psk != null) {
                key(sb, "preshared_key", psk);
            }
            if (p.endpoint() != null) {
                sb.append("endpoint=").append(UapiText.formatEndpoint(p.endpoint())).append('\n');
            }
            if (p.persistentKeepaliveSeconds() != null) {
                sb.append("persistent_keepalive_interval=").append(p.persistentKeepaliveSeconds()).append('\n');
            }
            if (p.replaceAllowedIps()) {
                sb.append("replace_allowed_ips=true\n");
            }
            for (IpPrefix prefix : p.removeAllowedIps()) {
                sb.append("allowed_ip=-").append(UapiText.formatPrefix(prefix)).append('\n');
            }
            for (IpPrefix prefix : p.addAllowedIps()) {
                sb.append("allowed_ip=").append(UapiText.formatPrefix(prefix)).append('\n');
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    private static void key(StringBuilder sb, String name, Key32 key) {
        sb.append(name).append('=').append(key.toHex()).append('\n');
    }
}
