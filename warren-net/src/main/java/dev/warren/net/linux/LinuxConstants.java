package dev.warren.net.linux;

/**
 * Constants and struct offsets from the Linux UAPI and glibc headers for LP64 targets (x86-64, arm64), with
 * the header each comes from. Struct offsets assume 8-byte pointers and {@code size_t}; {@link Libc#isLinux64()}
 * guards their use.
 */
public final class LinuxConstants {
    private LinuxConstants() {
    }

    // <fcntl.h>
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    // <sys/mman.h>
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;

    // <sys/eventfd.h>
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    // <poll.h>: struct pollfd { int fd; short events; short revents; }
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_FD = 0;
    public static final int POLLFD_EVENTS = 4;
    public static final int POLLFD_REVENTS = 6;

    // <linux/if.h>: struct ifreq is 40 bytes on LP64: char ifr_name[16] then a union.
    public static final int IFNAMSIZ = 16;
    public static final int IFREQ_SIZE = 40;
    public static final int IFREQ_FLAGS = 16; // short ifr_flags
    public static final int IFREQ_MTU = 16;   // int ifr_mtu

    // <linux/sockios.h>
    public static final long SIOCGIFMTU = 0x8921;

    // <linux/if_tun.h>: _IOW('T', nr, int|unsigned int) = 0x40045400 | nr; _IOR = 0x80045400 | nr
    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNGETIFF = 0x800454d2L;
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;
    public static final int IFF_TUN = 0x0001;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_UFO = 0x10;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;

    // <sys/socket.h>, <netinet/in.h>, <linux/udp.h>
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_MARK = 36;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPPROTO_UDP = 17;
    public static final int SOL_UDP = 17;
    public static final int UDP_SEGMENT = 103;
    public static final int UDP_GRO = 104;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_CTRUNC = 0x08;

    // struct sockaddr_in (16 bytes) / sockaddr_in6 (28 bytes); family is host order, port network order.
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SOCKADDR_IN6_SIZE = 28;
    public static final int SA_FAMILY = 0;
    public static final int SA_PORT = 2;
    public static final int SIN_ADDR = 4;
    public static final int SIN6_FLOWINFO = 4;
    public static final int SIN6_ADDR = 8;
    public static final int SIN6_SCOPE_ID = 24;

    // struct iovec { void *base; size_t len; }
    public static final int IOVEC_SIZE = 16;
    public static final int IOV_BASE = 0;
    public static final int IOV_LEN = 8;

    // struct msghdr (56 bytes) inside struct mmsghdr { struct msghdr hdr; unsigned msg_len; } (64 bytes)
    public static final int MSGHDR_SIZE = 56;
    public static final int MMSGHDR_SIZE = 64;
    public static final int MSG_NAME = 0;
    public static final int MSG_NAMELEN = 8;
    public static final int MSG_IOV = 16;
    public static final int MSG_IOVLEN = 24;
    public static final int MSG_CONTROL = 32;
    public static final int MSG_CONTROLLEN = 40;
    public static final int MSG_FLAGS = 48;
    public static final int MMSG_LEN = 56;

    // struct cmsghdr { size_t len; int level; int type; } data follows at 16; CMSG_ALIGN is 8.
    public static final int CMSG_HDR_SIZE = 16;
    public static final int CMSG_LEN_OFF = 0;
    public static final int CMSG_LEVEL_OFF = 8;
    public static final int CMSG_TYPE_OFF = 12;

    /** CMSG_LEN(n). */
    public static int cmsgLen(int dataLen) {
        return CMSG_HDR_SIZE + dataLen;
    }

    /** CMSG_SPACE(n). */
    public static int cmsgSpace(int dataLen) {
        return CMSG_HDR_SIZE + ((dataLen + 7) & ~7);
    }
}
