package dev.warren.wireguard.tables;

import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllowedIpsTest {
    private static IpPrefix p(String s) {
        return IpPrefix.parse(s);
    }

    private static String at(AllowedIps<String> t, String addr) {
        byte[] a = IpAddresses.parse(addr);
        return t.lookup(a, 0, a.length);
    }

    @Test
    void longestPrefixWinsForIpv4() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("0.0.0.0/0"), "default");
        t.insert(p("10.0.0.0/8"), "a");
        t.insert(p("10.1.0.0/16"), "b");
        t.insert(p("10.1.2.3/32"), "c");
        t.insert(p("10.1.2.128/25"), "d");
        assertEquals("c", at(t, "10.1.2.3"));
        assertEquals("b", at(t, "10.1.2.4"));
        assertEquals("d", at(t, "10.1.2.200"));
        assertEquals("a", at(t, "10.200.0.1"));
        assertEquals("default", at(t, "192.0.2.1"));
        assertEquals("b", t.lookupV4(0x0a01ff00));
    }

    @Test
    void longestPrefixWinsForIpv6AndFamiliesAreSeparate() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("::/0"), "v6default");
        t.insert(p("fd00::/8"), "ula");
        t.insert(p("fd00:1:2:3::/64"), "net");
        t.insert(p("fd00:1:2:3::1/128"), "host");
        t.insert(p("fd00:1:2:3:8000::/65"), "upper");
        assertEquals("host", at(t, "fd00:1:2:3::1"));
        assertEquals("net", at(t, "fd00:1:2:3::2"));
        assertEquals("upper", at(t, "fd00:1:2:3:8000::5"));
        assertEquals("ula", at(t, "fdff::1"));
        assertEquals("v6default", at(t, "2001:db8::1"));
        assertNull(at(t, "10.0.0.1"), "IPv4 must not match IPv6 prefixes");
        assertEquals("host", t.lookupV6(0xfd00_0001_0002_0003L, 1L));
    }

    @Test
    void prefixHasOneOwnerAndInsertMovesIt() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.0.0/24"), "a");
        t.insert(p("10.0.1.0/24"), "a");
        t.insert(p("10.0.0.0/24"), "b");
        assertEquals("b", at(t, "10.0.0.9"));
        assertEquals(List.of(p("10.0.1.0/24")), t.entriesForPeer("a"));
        assertEquals(List.of(p("10.0.0.0/24")), t.entriesForPeer("b"));
        assertEquals(2, t.size());
    }

    @Test
    void entriesKeepInsertionOrderAndReinsertMovesToEnd() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.2.0/24"), "a");
        t.insert(p("fd00::/64"), "a");
        t.insert(p("10.0.1.0/24"), "a");
        assertEquals(List.of(p("10.0.2.0/24"), p("fd00::/64"), p("10.0.1.0/24")), t.entriesForPeer("a"));
        t.insert(p("10.0.2.0/24"), "a");
        assertEquals(List.of(p("fd00::/64"), p("10.0.1.0/24"), p("10.0.2.0/24")), t.entriesForPeer("a"));
        assertEquals(List.of(), t.entriesForPeer("nobody"));
    }

    @Test
    void removeOnlyByOwner() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.0.0/8"), "a");
        t.insert(p("10.1.0.0/16"), "b");
        assertFalse(t.remove(p("10.1.0.0/16"), "a"));
        assertEquals("b", at(t, "10.1.0.1"));
        assertTrue(t.remove(p("10.1.0.0/16"), "b"));
        assertEquals("a", at(t, "10.1.0.1"));
        assertFalse(t.remove(p("10.1.0.0/16"), "b"));
        assertFalse(t.remove(p("10.2.0.0/16"), "a"), "a prefix that is not in the table");
    }

    @Test
    void removeByPeerAndClear() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.0.0/8"), "a");
        t.insert(p("10.1.0.0/16"), "b");
        t.insert(p("10.1.1.0/24"), "a");
        t.insert(p("fd00::/8"), "a");
        t.removeByPeer("a");
        assertEquals("b", at(t, "10.1.1.1"));
        assertNull(at(t, "10.2.0.1"));
        assertNull(at(t, "fd00::1"));
        assertEquals(List.of(), t.entriesForPeer("a"));
        t.clear();
        assertNull(at(t, "10.1.1.1"));
        assertEquals(0, t.size());
    }

    @Test
    void hostBitsAreIgnoredAndZeroLengthPrefixesWork() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.1.2.3/8"), "a"); // IpPrefix masks to 10.0.0.0/8
        assertEquals("a", at(t, "10.255.255.255"));
        t.insert(p("0.0.0.0/0"), "all");
        assertEquals("all", t.lookupV4(0xffffffff));
        assertTrue(t.remove(p("0.0.0.0/0"), "all"));
        assertNull(t.lookupV4(0xffffffff));
    }

    @Test
    void batchIsAllOrNothing() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.0.0/24"), "a");
        assertThrows(IllegalStateException.class, () -> t.batch(b -> {
            b.removeByPeer("a");
            b.insert(p("10.0.1.0/24"), "a");
            throw new IllegalStateException("abort");
        }));
        assertEquals("a", at(t, "10.0.0.1"));
        assertNull(at(t, "10.0.1.1"));
        t.batch(b -> b.removeByPeer("a").insert(p("10.0.1.0/24"), "a").remove(p("10.0.1.0/24"), "b"));
        assertNull(at(t, "10.0.0.1"));
        assertEquals("a", at(t, "10.0.1.1"));
    }

    @Test
    void lookupRejectsOddLengthsAndReadsAtOffset() {
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("192.0.2.0/24"), "x");
        byte[] buf = {0, 0, (byte) 192, 0, 2, 77, 0};
        assertEquals("x", t.lookup(buf, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> t.lookup(buf, 0, 5));
    }

    @Test
    void readersSeeWholeBatchesWhileWritersChurn() throws Exception {
        // A reader must always find either the old or the new owner of a prefix that is moved in one batch,
        // never a gap.
        AllowedIps<String> t = new AllowedIps<>();
        t.insert(p("10.0.0.0/16"), "a");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                String owner = t.lookupV4(0x0a000101);
                if (!"a".equals(owner) && !"b".equals(owner)) {
                    failure.set("saw " + owner);
                    return;
                }
            }
        });
        for (int i = 0; i < 20_000; i++) {
            String from = i % 2 == 0 ? "a" : "b";
            String to = i % 2 == 0 ? "b" : "a";
            t.batch(b -> b.removeByPeer(from).insert(p("10.0.0.0/16"), to).insert(p("10.0." + (to.equals("a") ? 1 : 2) + ".0/24"), to));
            t.removeByPeer(from);
        }
        stop.set(true);
        reader.join();
        assertNull(failure.get());
    }

    @Test
    void lookupsDoNotAllocate() {
        AllowedIps<Integer> t = new AllowedIps<>();
        for (int i = 0; i < 256; i++) {
            t.insert(IpPrefix.of(new byte[] {10, (byte) i, 0, 0}, 16 + (i % 9)), i);
            t.insert(IpPrefix.of(new byte[] {(byte) 0xfd, 0, 0, (byte) i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 32 + (i % 40)), i);
        }
        byte[] v4 = {10, 5, 0, 1};
        byte[] v6 = {(byte) 0xfd, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up: let the JIT compile the lookups
            sink += hash(t.lookup(v4, 0, 4)) + hash(t.lookup(v6, 0, 16)) + hash(t.lookupV4(i));
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sink += hash(t.lookup(v4, 0, 4)) + hash(t.lookup(v6, 0, 16)) + hash(t.lookupV4(i));
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "lookups allocated " + allocated + " bytes (sink " + sink + ")");
    }

    private static int hash(Integer v) {
        return v == null ? 0 : v;
    }
}
