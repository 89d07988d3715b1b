package dev.warren.bench;

import dev.warren.filter.DropReason;
import dev.warren.filter.PacketFilter;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.time.Clock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packet filter's cost per packet with 0, 100 and 10,000 rules (each rule: a /24 and a /64 source, TCP and UDP,
 * one destination port of this node's two addresses), through {@link PacketFilter.Cursor} as {@code FilterTun}
 * calls it, with the real clock:
 * <ul>
 *   <li>{@code udpAllowedByRule} — a UDP packet the last rule admits: rule lookup on every packet</li>
 *   <li>{@code tcpDenied} — a SYN no rule admits: flow lookup, rule lookup, drop counter</li>
 *   <li>{@code tcpNewFlow} — a SYN the last rule admits from a new source port each time: a new tracked connection
 *       (the table fills up, then evicts)</li>
 *   <li>{@code tcpTracked} — a segment of a tracked connection: one flow-table hit</li>
 *   <li>{@code outbound} — recording a packet the host sends</li>
 *   <li>{@code udpAllowedByRuleV6} — as the first, IPv6</li>
 * </ul>
 * With 0 rules every "allowed" packet is dropped as no-rule: the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBench {
    @Param({"0", "100", "10000"})
    int rules;

    private PacketFilter.Cursor cursor;
    private PacketBuffer udpAllowed;
    private PacketBuffer udpAllowed6;
    private PacketBuffer tcpDenied;
    private PacketBuffer tcpNew;
    private PacketBuffer tcpTracked;
    private PacketBuffer outbound;
    private int port;

    @Setup
    public void setup() {
        PacketFilter filter = new PacketFilter(Clock.system());
        List<FilterRule> list = new ArrayList<>();
        for (int i = 0; i < rules; i++) {
            list.add(new FilterRule("acls[" + i + "]",
                    List.of(IpPrefix.parse("10." + (i >> 8) + "." + (i & 255) + ".0/24"),
                            IpPrefix.parse("fd00:" + Integer.toHexString(i) + "::/64")),
                    List.of(FilterRule.TCP, FilterRule.UDP),
                    List.of(new PortRange(IpPrefix.parse("100.64.0.1/32"), 1000 + i, 1000 + i),
                            new PortRange(IpPrefix.parse("fd7a::1/128"), 1000 + i, 1000 + i))));
        }
        filter.install(list);
        cursor = filter.newCursor();
        int last = Math.max(0, rules - 1);
        String src = "10." + (last >> 8) + "." + (last & 255) + ".7";
        String src6 = "fd00:" + Integer.toHexString(last) + "::7";
        udpAllowed = buf(ip(src, "100.64.0.1", 17, l4(4000, 1000 + last, 0)));
        udpAllowed6 = buf(ip(src6, "fd7a::1", 17, l4(4000, 1000 + last, 0)));
        tcpDenied = buf(ip("192.168.1.1", "100.64.0.1", 6, l4(4000, 22, 0x02)));
        tcpNew = buf(ip(src, "100.64.0.1", 6, l4(4000, 1000 + last, 0x02)));
        outbound = buf(ip("100.64.0.1", "100.64.0.2", 6, l4(40000, 443, 0x10)));
        tcpTracked = buf(ip("100.64.0.2", "100.64.0.1", 6, l4(443, 40000, 0x10)));
        cursor.outbound(outbound);
        if (cursor.inbound(tcpTracked) != null) {
            throw new IllegalStateException("the tracked connection is not tracked");
        }
        DropReason r = cursor.inbound(udpAllowed);
        if ((rules > 0) != (r == null)) {
            throw new IllegalStateException("the allowed packet got " + r);
        }
    }

    @Benchmark
    public DropReason udpAllowedByRule() {
        return cursor.inbound(udpAllowed);
    }

    @Benchmark
    public DropReason udpAllowedByRuleV6() {
        return cursor.inbound(udpAllowed6);
    }

    @Benchmark
    public DropReason tcpDenied() {
        return cursor.inbound(tcpDenied);
    }

    @Benchmark
    public DropReason tcpNewFlow() {
        port = (port + 1) & 0xffff;
        tcpNew.putByte(PacketBuffer.HEADROOM + 20, port >>> 8);
        tcpNew.putByte(PacketBuffer.HEADROOM + 21, port);
        return cursor.inbound(tcpNew);
    }

    @Benchmark
    public DropReason tcpTracked() {
        return cursor.inbound(tcpTracked);
    }

    @Benchmark
    public void outbound() {
        cursor.outbound(outbound);
    }

    private static byte[] l4(int sport, int dport, int tcpFlags) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sport).putShort((short) dport).putShort(4, (short) 8);
        if (tcpFlags != 0) {
            b.put(12, (byte) 0x50).put(13, (byte) tcpFlags);
        }
        return b.array();
    }

    private static byte[] ip(String src, String dst, int proto, byte[] l4) {
        byte[] s = IpAddresses.parse(src);
        byte[] d = IpAddresses.parse(dst);
        ByteBuffer b;
        if (s.length == 4) {
            b = ByteBuffer.allocate(20 + l4.length);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putInt(0).put((byte) 64)
                    .put((byte) proto).putShort((short) 0).put(s).put(d);
        } else {
            b = ByteBuffer.allocate(40 + l4.length);
            b.putInt(0x60000000).putShort((short) l4.length).put((byte) proto).put((byte) 64).put(s).put(d);
        }
        return b.put(l4).array();
    }

    private static PacketBuffer buf(byte[] p) {
        PacketBuffer b = PacketBuffer.allocate(2048);
        b.copyFrom(p, 0, PacketBuffer.HEADROOM, p.length);
        b.set(PacketBuffer.HEADROOM, p.length);
        return b;
    }
}
