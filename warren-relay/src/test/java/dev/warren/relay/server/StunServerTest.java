package dev.warren.relay.server;

import dev.warren.wire.stun.StunMessage;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The STUN server over real UDP on loopback (IPv4, and IPv6 where the host has ::1). */
class StunServerTest {
    static StunMessage exchange(DatagramSocket c, InetSocketAddress server, byte[] request) throws Exception {
        c.send(new DatagramPacket(request, request.length, server));
        byte[] buf = new byte[1500];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        c.receive(p);
        return StunMessage.decode(ByteBuffer.wrap(buf, 0, p.getLength()));
    }

    static byte[] txid(int seed) {
        byte[] t = new byte[12];
        for (int i = 0; i < 12; i++) {
            t[i] = (byte) (seed * 31 + i);
        }
        return t;
    }

    void answersWithTheSendersAddress(String host) throws Exception {
        InetAddress lo = InetAddress.getByName(host);
        try (StunServer s = StunServer.start(host, 0); DatagramSocket c = new DatagramSocket(0, lo)) {
            c.setSoTimeout(5000);
            InetSocketAddress server = new InetSocketAddress(lo, s.port());
            byte[] t = txid(1);
            StunMessage m = exchange(c, server, new StunMessage.BindingRequest(t).encode());
            StunMessage.BindingSuccess ok = assertInstanceOf(StunMessage.BindingSuccess.class, m);
            assertArrayEquals(t, ok.transactionId());
            assertEquals(new InetSocketAddress(lo, c.getLocalPort()), ok.xorMappedAddress());

            c.send(new DatagramPacket(new byte[]{1, 2, 3}, 3, server));
            byte[] success = ok.encode();
            c.send(new DatagramPacket(success, success.length, server));
            c.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> c.receive(new DatagramPacket(new byte[100], 100)),
                    "garbage and responses are ignored");
            c.setSoTimeout(5000);
            byte[] t2 = txid(2);
            assertArrayEquals(t2, exchange(c, server, new StunMessage.BindingRequest(t2).encode()).transactionId(),
                    "and the server still answers");
        }
    }

    @Test
    void ipv4() throws Exception {
        answersWithTheSendersAddress("127.0.0.1");
    }

    @Test
    void ipv6() throws Exception {
        boolean v6;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("::1"))) {
            v6 = probe.getLocalPort() > 0;
        } catch (java.net.SocketException e) {
            v6 = false;
        }
        assumeTrue(v6, "no IPv6 loopback on this host");
        answersWithTheSendersAddress("::1");
    }

    @Test
    void aWildcardListenAddressAnswersIpv4AndIpv6() throws Exception {
        try (StunServer s = StunServer.start("0.0.0.0", 0)) {
            for (String host : new String[]{"127.0.0.1", "::1"}) {
                InetAddress lo = InetAddress.getByName(host);
                DatagramSocket c;
                try {
                    c = new DatagramSocket(0, lo);
                } catch (java.net.SocketException e) {
                    continue; // no IPv6 loopback here
                }
                try (c) {
                    c.setSoTimeout(5000);
                    StunMessage m = exchange(c, new InetSocketAddress(lo, s.port()),
                            new StunMessage.BindingRequest(txid(5)).encode());
                    assertEquals(new InetSocketAddress(lo, c.getLocalPort()),
                            ((StunMessage.BindingSuccess) m).xorMappedAddress(), host);
                }
            }
        }
    }

    @Test
    void unknownComprehensionRequiredAttributesGet420() throws Exception {
        byte[] req = new StunMessage.BindingRequest(txid(3)).encode();
        // append an unknown comprehension-required attribute 0x0777 with 4 bytes, before FINGERPRINT: rebuild by hand
        ByteBuffer b = ByteBuffer.allocate(20 + 8);
        b.putShort((short) 1).putShort((short) 8).putInt(StunMessage.MAGIC_COOKIE).put(txid(3));
        b.putShort((short) 0x0777).putShort((short) 4).putInt(0);
        byte[] answer = StunServer.answer(b.array(), b.capacity(), new InetSocketAddress("192.0.2.1", 4000));
        StunMessage.BindingError e = assertInstanceOf(StunMessage.BindingError.class,
                StunMessage.decode(ByteBuffer.wrap(answer)));
        assertEquals(420, e.code());
        StunMessage ok = StunMessage.decode(ByteBuffer.wrap(StunServer.answer(req, req.length,
                new InetSocketAddress("192.0.2.1", 4000))));
        assertEquals(new InetSocketAddress("192.0.2.1", 4000), ((StunMessage.BindingSuccess) ok).address());
        assertNull(StunServer.answer(new byte[]{0x57, 0x44}, 2, new InetSocketAddress("192.0.2.1", 1)));
    }
}
