package dev.warren.wire.net;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix such as {@code 10.0.0.0/24} or {@code fd00::/64}. Host bits are cleared on
 * construction, as WireGuard does for allowed IPs ({@code 10.0.0.1/24} becomes {@code 10.0.0.0/24}).
 */
public final class IpPrefix implements Comparable<IpPrefix> {
    private final byte[] address;
    private final int bits;

    private IpPrefix(byte[] address, int bits) {
        this.address = address;
        this.bits = bits;
    }

    public static IpPrefix of(byte[] address, int bits) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes");
        }
        if (bits < 0 || bits > address.length * 8) {
            throw new IllegalArgumentException("prefix length " + bits + " out of range 0.." + address.length * 8);
        }
        byte[] a = address.clone();
        for (int i = 0; i < a.length; i++) {
            int keep = Math.min(8, Math.max(0, bits - 8 * i));
            a[i] &= (byte) (0xff00 >>> keep);
        }
        return new IpPrefix(a, bits);
    }

    /** Parses {@code ADDR/BITS}; a bare address means a host prefix (/32 or /128). */
    public static IpPrefix parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing prefix");
        }
        String t = text.strip();
        int slash = t.indexOf('/');
        byte[] addr = IpAddresses.tryParse(slash < 0 ? t : t.substring(0, slash));
        if (addr == null) {
            throw new IllegalArgumentException("not an IP prefix: \"" + text + "\"");
        }
        int bits = addr.length * 8;
        if (slash >= 0) {
            String b = t.substring(slash + 1);
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
            }
            bits = Integer.parseInt(b);
            if (bits > addr.length * 8) {
                throw new IllegalArgumentException("prefix length " + bits + " too long in \"" + text + "\"");
            }
        }
        return of(addr, bits);
    }

    public byte[] address() {
        return address.clone();
    }

    public int bits() {
        return bits;
    }

    public boolean isIpv4() {
        return address.length == 4;
    }

    /** The byte at index i of the (masked) address, without copying. */
    public int byteAt(int i) {
        return address[i] & 0xff;
    }

    /** True when addr (4 or 16 bytes at off) lies inside this prefix. */
    public boolean contains(byte[] addr, int off, int len) {
        if (len != address.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (addr[off + i] != address[i]) {
                return false;
            }
        }
        int rem = bits % 8;
        if (rem == 0) {
            return true;
        }
        int mask = 0xff00 >>> rem;
        return ((addr[off + full] ^ address[full]) & mask) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && p.bits == bits && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + bits;
    }

    @Override
    public int compareTo(IpPrefix o) {
        int c = Integer.compare(address.length, o.address.length);
        if (c != 0) {
            return c;
        }
        c = Arrays.compareUnsigned(address, o.address);
        return c != 0 ? c : Integer.compare(bits, o.bits);
    }

    @Override
    public String toString() {
        return IpAddresses.format(address) + "/" + bits;
    }
}
