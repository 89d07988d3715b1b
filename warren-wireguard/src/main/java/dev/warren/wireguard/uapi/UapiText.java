package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

/**
 * Value syntax of the UAPI, matched to wireguard-go: numbers are Go's {@code strconv.ParseUint(v, 10, n)}
 * (ASCII digits only, leading zeros allowed, no sign, no spaces); prefixes are Go's
 * {@code netip.ParsePrefix} (slash required, no zone, no leading zero in the length); endpoints are
 * {@code netip.ParseAddrPort} (brackets exactly for IPv6, numeric address, zone only on IPv6). Addresses
 * are printed as Go's {@code netip.Addr.String} does, which differs from plain RFC 5952 only for
 * IPv4-mapped IPv6 addresses ({@code ::ffff:192.0.2.1}).
 */
final class UapiText {
    private UapiText() {
    }

    /** Parses an unsigned decimal no greater than {@code max}; null if the text is not one. */
    static Long parseUnsigned(String v, long max) {
        if (v.isEmpty()) {
            return null;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
            if (n > max) {
                return null;
            }
        }
        return n;
    }

    /** True for exactly 64 hex digits (either case, as Go's {@code hex.DecodeString} accepts). */
    static boolean isHexKey(String v) {
        if (v.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = v.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                return false;
            }
        }
        return true;
    }

    /**
     * The key with Curve25519's clamping applied (low 3 bits cleared, top bit cleared, second-highest set),
     * or the key itself if all zeros ("no key"); wireguard-go stores private keys this way.
     */
    static PrivateKey clampUnlessZero(PrivateKey key) {
        if (key.isZero()) {
            return key;
        }
        byte[] b = key.toBytes();
        b[0] &= (byte) 0xf8;
        b[31] = (byte) ((b[31] & 0x7f) | 0x40);
        PrivateKey clamped = PrivateKey.of(b);
        java.util.Arrays.fill(b, (byte) 0);
        return clamped;
    }

    /** Parses {@code ADDRESS/BITS} strictly; null if malformed. Host bits are cleared. */
    static IpPrefix parsePrefix(String v) {
        int slash = v.lastIndexOf('/');
        if (slash < 0) {
            return null;
        }
        byte[] addr = IpAddresses.tryParse(v.substring(0, slash));
        String bitsText = v.substring(slash + 1);
        if (addr == null || (bitsText.length() > 1 && bitsText.charAt(0) == '0')) {
            return null;
        }
        Long bits = parseUnsigned(bitsText, addr.length * 8L);
        return bits == null ? null : IpPrefix.of(addr, bits.intValue());
    }

    /** Parses a numeric endpoint strictly; null if malformed. */
    static Endpoint parseEndpoint(String v) {
        int colon = v.lastIndexOf(':');
        if (colon < 0 || parseUnsigned(v.substring(colon + 1), 65535) == null) {
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        boolean bracketed = v.startsWith("[") && colon > 0 && v.charAt(colon - 1) == ']';
        int pct = v.indexOf('%');
        if (pct >= 0 && (!bracketed || pct == colon - 2)) {
            return null; // a zone needs brackets (IPv6) and must not be empty
        }
        try {
            return Endpoint.parse(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Go's {@code netip.Addr.String()} for 4 or 16 bytes. */
    static String formatAddress(byte[] a) {
        if (a.length == 16 && isV4Mapped(a)) {
            return "::ffff:" + IpAddresses.format(a, 12, 4);
        }
        return IpAddresses.format(a);
    }

    static String formatPrefix(IpPrefix p) {
        return formatAddress(p.address()) + "/" + p.bits();
    }

    /** Go's {@code netip.AddrPort.String()}: {@code 192.0.2.1:51820}, {@code [2001:db8::1%3]:51820}. */
    static String formatEndpoint(Endpoint e) {
        byte[] a = e.address();
        if (a.length == 4) {
            return formatAddress(a) + ":" + e.port();
        }
        return "[" + formatAddress(a) + (e.scopeId() != 0 ? "%" + e.scopeId() : "") + "]:" + e.port();
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** A value safe to put in a log message: printable ASCII, at most 64 characters. */
    static String quote(String v) {
        StringBuilder sb = new StringBuilder("\"");
        int n = Math.min(v.length(), 64);
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        if (v.length() > n) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
