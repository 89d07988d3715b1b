package dev.warren.net.udp;

import dev.warren.net.linux.Libc;
import dev.warren.wire.datapath.Endpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.warren.net.linux.LinuxConstants.AF_INET;
import static dev.warren.net.linux.LinuxConstants.AF_INET6;
import static dev.warren.net.linux.LinuxConstants.SA_FAMILY;
import static dev.warren.net.linux.LinuxConstants.SA_PORT;
import static dev.warren.net.linux.LinuxConstants.SIN6_ADDR;
import static dev.warren.net.linux.LinuxConstants.SIN6_FLOWINFO;
import static dev.warren.net.linux.LinuxConstants.SIN6_SCOPE_ID;
import static dev.warren.net.linux.LinuxConstants.SIN_ADDR;
import static dev.warren.net.linux.LinuxConstants.SOCKADDR_IN6_SIZE;
import static dev.warren.net.linux.LinuxConstants.SOCKADDR_IN_SIZE;

/** Encoding and decoding of {@code sockaddr_in}/{@code sockaddr_in6} in native memory, allocation-free. */
final class SockAddr {
    static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /**
     * Writes {@code ep} as a sockaddr at {@code dst[off]} using {@code scratch} (16 bytes) for the address;
     * returns the sockaddr length.
     */
    static int write(MemorySegment dst, long off, Endpoint ep, byte[] scratch) {
        int len = ep.copyAddress(scratch, 0);
        if (len == 4) {
            dst.set(Libc.SHORT, off + SA_FAMILY, (short) AF_INET);
            dst.set(PORT, off + SA_PORT, (short) ep.port());
            MemorySegment.copy(scratch, 0, dst, ValueLayout.JAVA_BYTE, off + SIN_ADDR, 4);
            dst.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 8, 0L);
            return SOCKADDR_IN_SIZE;
        }
        dst.set(Libc.SHORT, off + SA_FAMILY, (short) AF_INET6);
        dst.set(PORT, off + SA_PORT, (short) ep.port());
        dst.set(Libc.INT, off + SIN6_FLOWINFO, 0);
        MemorySegment.copy(scratch, 0, dst, ValueLayout.JAVA_BYTE, off + SIN6_ADDR, 16);
        dst.set(Libc.INT, off + SIN6_SCOPE_ID, ep.scopeId());
        return SOCKADDR_IN6_SIZE;
    }

    /** Writes the wildcard address of the family with {@code port}; returns the length. */
    static int writeAny(MemorySegment dst, boolean v6, int port) {
        dst.fill((byte) 0);
        dst.set(Libc.SHORT, SA_FAMILY, (short) (v6 ? AF_INET6 : AF_INET));
        dst.set(PORT, SA_PORT, (short) port);
        return v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE;
    }

    static int family(MemorySegment s, long off) {
        return s.get(Libc.SHORT, off + SA_FAMILY) & 0xffff;
    }

    static int port(MemorySegment s, long off) {
        return s.get(PORT, off + SA_PORT) & 0xffff;
    }

    /** Offset of the address bytes within a sockaddr of {@code family}. */
    static int addressOffset(int family) {
        return family == AF_INET6 ? SIN6_ADDR : SIN_ADDR;
    }

    static int addressLength(int family) {
        return family == AF_INET6 ? 16 : 4;
    }
}
