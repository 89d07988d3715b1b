package dev.warren.magicsock.birthday;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UdpSideSockets} on real loopback sockets: distinct free ports, datagrams both ways with the right socket
 * and source, a throwing receiver does not stop the others, closed sockets deliver nothing, and the selector thread
 * exists only while sockets are open.
 */
class UdpSideSocketsTest {
    static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    record Got(SideSocket socket, byte[] bytes, InetSocketAddress source) {
    }

    private static boolean selectorThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("magicsock-side-sockets") && t.isAlive());
    }

    private static void await(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void manySocketsOneThreadDatagramsBothWaysThenNothingLeft() throws Exception {
        UdpSideSockets sockets = new UdpSideSockets();
        LinkedBlockingQueue<Got> got = new LinkedBlockingQueue<>();
        List<SideSocket> open = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 32; i++) {
            SideSocket s = sockets.open((sock, b, src) -> {
                if (b.length == 1 && b[0] == 'X') {
                    throw new IllegalStateException("a receiver that throws");
                }
                got.add(new Got(sock, b, src));
            });
            open.add(s);
            assertTrue(ports.add(s.localPort()), "each socket has its own port");
        }
        assertEquals(32, sockets.openCount());
        await("the selector thread", UdpSideSocketsTest::selectorThreadAlive);

        SideSocket a = open.get(3);
        SideSocket b = open.get(29);
        a.send(new byte[]{'X'}, new InetSocketAddress(LOOPBACK, b.localPort()));
        a.send("hello".getBytes(), new InetSocketAddress(LOOPBACK, b.localPort()));
        Got g = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g, "datagram never arrived");
        assertEquals(b, g.socket());
        assertArrayEquals("hello".getBytes(), g.bytes());
        assertEquals(new InetSocketAddress(LOOPBACK, a.localPort()), g.source());
        b.send("back".getBytes(), g.source());
        Got back = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(back);
        assertEquals(a, back.socket());
        assertArrayEquals("back".getBytes(), back.bytes());

        b.close();
        b.close(); // idempotent
        assertFalse(b.isOpen());
        assertEquals(31, sockets.openCount());
        a.send("lost".getBytes(), new InetSocketAddress(LOOPBACK, b.localPort()));
        assertNull(got.poll(200, TimeUnit.MILLISECONDS), "a closed socket delivers nothing");
        assertThrows(java.io.IOException.class, () -> b.send("x".getBytes(), g.source()));

        for (SideSocket s : open) {
            s.close();
        }
        assertEquals(0, sockets.openCount());
        await("the selector thread to end", () -> !selectorThreadAlive());

        // and it comes back for the next socket
        SideSocket again = sockets.open((sock, bytes, src) -> got.add(new Got(sock, bytes, src)));
        SideSocket other = sockets.open((sock, bytes, src) -> got.add(new Got(sock, bytes, src)));
        other.send("again".getBytes(), new InetSocketAddress(LOOPBACK, again.localPort()));
        Got g2 = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(g2);
        assertEquals(again, g2.socket());
        again.close();
        other.close();
        await("the selector thread to end again", () -> !selectorThreadAlive());
    }
}
