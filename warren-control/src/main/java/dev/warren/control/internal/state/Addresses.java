package dev.warren.control.internal.state;

import dev.warren.wire.net.IpPrefix;

import java.util.List;

/**
 * Node addresses from one integer index: IPv4 {@code 100.64.0.0/10 + index} and IPv6
 * {@code fd7a:115c:a1e0::/48} with the same 32-bit offset in its last two groups. Indexes whose IPv4 address ends
 * in .0 or .255, and the one that would be 100.100.100.100 (the conventional in-tailnet DNS address), are skipped.
 * The store's counter only grows, so an address is never handed out twice on one server.
 */
public final class Addresses {
    static final long V4_BASE = 0x64400000L; // 100.64.0.0
    static final long V4_SIZE = 1L << 22;    // a /10
    private static final long RESERVED = 0x64646464L; // 100.100.100.100

    private Addresses() {
    }

    /** The first usable index at or after {@code next}; throws when the /10 is exhausted. */
    public static long firstUsable(long next) {
        long i = Math.max(1, next);
        while (i < V4_SIZE) {
            long a = V4_BASE + i;
            long last = a & 0xff;
            if (last != 0 && last != 255 && a != RESERVED) {
                return i;
            }
            i++;
        }
        throw new IllegalStateException("the address range 100.64.0.0/10 is exhausted");
    }

    public static IpPrefix v4(long index) {
        long a = V4_BASE + index;
        return IpPrefix.of(new byte[]{(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a}, 32);
    }

    public static IpPrefix v6(long index) {
        byte[] b = new byte[16];
        b[0] = (byte) 0xfd;
        b[1] = (byte) 0x7a;
        b[2] = (byte) 0x11;
        b[3] = (byte) 0x5c;
        b[4] = (byte) 0xa1;
        b[5] = (byte) 0xe0;
        b[12] = (byte) (index >>> 24);
        b[13] = (byte) (index >>> 16);
        b[14] = (byte) (index >>> 8);
        b[15] = (byte) index;
        return IpPrefix.of(b, 128);
    }

    public static List<IpPrefix> of(long index) {
        return List.of(v4(index), v6(index));
    }
}
