package dev.warren.wire.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict parsing and formatting of IP address literals. Never resolves names: {@code parse("example.com")}
 * fails instead of doing a DNS lookup, so parsing untrusted text cannot block or leak.
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    /** Parses an IPv4 dotted quad or an IPv6 literal (no brackets, no zone) into 4 or 16 bytes. */
    public static byte[] parse(String text) {
        byte[] b = tryParse(text);
        if (b == null) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        }
        return b;
    }

    /** Like {@link #parse} but returns null instead of throwing. */
    public static byte[] tryParse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        return text.indexOf(':') >= 0 ? parse6(text) : parse4(text);
    }

    private static byte[] parse4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // leading zero: ambiguous (octal in some parsers)
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255 || ++digits > 3) {
                    return null;
                }
            } else if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private static byte[] parse6(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        if (dc < 0) {
            return fill6(s, out, 0, 16) == 16 ? out : null;
        }
        String head = s.substring(0, dc);
        String tail = s.substring(dc + 2);
        byte[] tailBytes = new byte[16];
        int h = head.isEmpty() ? 0 : fill6(head, out, 0, 16);
        int t = tail.isEmpty() ? 0 : fill6(tail, tailBytes, 0, 16);
        if (h < 0 || t < 0 || h + t > 14) {
            return null;
        }
        System.arraycopy(tailBytes, 0, out, 16 - t, t);
        return out;
    }

    /** Fills groups of {@code s} into out from {@code off}; returns bytes written or -1. */
    private static int fill6(String s, byte[] out, int off, int max) {
        String[] groups = s.split(":", -1);
        int pos = off;
        for (int g = 0; g < groups.length; g++) {
            String grp = groups[g];
            if (grp.indexOf('.') >= 0) {
                if (g != groups.length - 1 || pos + 4 > max) {
                    return -1;
                }
                byte[] v4 = parse4(grp);
                if (v4 == null) {
                    return -1;
                }
                System.arraycopy(v4, 0, out, pos, 4);
                pos += 4;
                continue;
            }
            if (grp.isEmpty() || grp.length() > 4 || pos + 2 > max) {
                return -1;
            }
            int v = Integer.parseInt(grp, 16);
            out[pos++] = (byte) (v >>> 8);
            out[pos++] = (byte) v;
        }
        return pos - off;
    }

    /** Formats 4 or 16 bytes: dotted quad, or RFC 5952 IPv6 (longest zero run compressed, lowercase). */
    public static String format(byte[] a) {
        return format(a, 0, a.length);
    }

    public static String format(byte[] a, int off, int len) {
        if (len == 4) {
            return (a[off] & 0xff) + "." + (a[off + 1] & 0xff) + "." + (a[off + 2] & 0xff) + "." + (a[off + 3] & 0xff);
        }
        if (len != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes");
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[off + 2 * i] & 0xff) << 8) | (a[off + 2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Converts raw bytes to an {@link InetAddress} without any lookup. */
    public static InetAddress toInetAddress(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes", e);
        }
    }

    /** The raw bytes of an address; an IPv4-mapped IPv6 address stays 16 bytes. */
    public static byte[] bytes(InetAddress a) {
        if (a instanceof Inet4Address || a instanceof Inet6Address) {
            return a.getAddress();
        }
        throw new IllegalArgumentException("unsupported address " + a);
    }
}
