package dev.warren.magicsock;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.crypto.X25519;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpAddresses;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes magicsock's whole UDP receive path (demultiplexer, disco open and dispatch, STUN handling) with arbitrary
 * datagrams from a stranger: nothing throws, a datagram the demultiplexer calls WireGuard reaches the engine
 * unchanged with its real source, and everything else is consumed (a WireGuard sentinel sent after it is the next
 * packet the engine sees).
 *
 * <p>To fuzz: {@code JAZZER_FUZZ=1 mvn test -pl warren-magicsock -Dtest=ReceivePathFuzzTest}.
 */
class ReceivePathFuzzTest {
    private static final ChannelNetwork NET = new ChannelNetwork();
    private static final FakeClock CLOCK = new FakeClock();
    private static final ManualScheduler SCHED = new ManualScheduler(CLOCK);
    private static final InMemoryRelay HUB = new InMemoryRelay();
    private static final NodeKey SELF = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    private static final MagicSock SOCK;
    private static final Bind.Receiver RECEIVER;
    private static final ChannelBind STRANGER;
    private static final Endpoint TARGET;
    private static final byte[] SENTINEL = {4, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
            10, 11, 12, 13, 14, 15, 16};

    static {
        try {
            byte[] ip = IpAddresses.parse("192.0.2.1");
            InetAddress local = InetAddress.getByAddress(ip);
            SOCK = new MagicSock(new MagicSock.Config(SELF, NET.bind(ip), HUB.attach(SELF.publicKey()), CLOCK, SCHED,
                    () -> List.of(local), null, null));
            Bind.Opened o = SOCK.bind().open(41641);
            RECEIVER = o.receivers().getFirst();
            TARGET = Endpoint.of(ip, 41641);
            STRANGER = NET.bind(IpAddresses.parse("203.0.113.9"));
            STRANGER.open(999);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void send(byte[] d) throws IOException {
        PacketBuffer b = PacketBuffer.allocate(Math.max(1, d.length));
        b.copyFrom(d, 0, 0, d.length);
        b.set(0, d.length);
        STRANGER.send(new PacketBuffer[]{b}, 0, 1, TARGET);
    }

    @FuzzTest(maxDuration = "60s")
    void anyDatagramIsHandledOrPassedThrough(byte[] d) throws IOException {
        if (d.length > 1500) {
            return;
        }
        send(d);
        send(SENTINEL);
        PacketBuffer[] bufs = {PacketBuffer.allocate(2048), PacketBuffer.allocate(2048)};
        int n = RECEIVER.receive(bufs, 1);
        assertEquals(1, n);
        boolean wg = Demux.classify(d, 0, d.length) == Demux.Kind.WIREGUARD;
        assertArrayEquals(wg ? d : SENTINEL, bufs[0].toByteArray());
        assertEquals(Endpoint.parse("203.0.113.9:999"), bufs[0].source());
        if (wg) {
            assertEquals(1, RECEIVER.receive(bufs, 1));
            assertArrayEquals(SENTINEL, bufs[0].toByteArray());
        }
    }
}
