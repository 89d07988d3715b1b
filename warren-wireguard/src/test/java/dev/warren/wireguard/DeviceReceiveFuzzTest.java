package dev.warren.wireguard;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warren.crypto.Aead;
import dev.warren.crypto.Blake2s;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.wireguard.TransportHeader;
import dev.warren.wire.wireguard.WgMessage;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes a running device's receive path: each input is a small script ({@link Script}) that produces up to 64
 * datagrams — raw bytes, transport messages aimed at live sessions, handshake messages with a valid mac1,
 * cookie replies, and mutated, truncated or replayed copies of genuine traffic — delivered to device B in
 * batches through its real receive loop ({@link Inbound}, called directly on the test thread with a scripted
 * {@link Bind.Receiver}; handshake messages continue to B's real control loop). After every input:
 * <ol>
 *   <li>nothing reached B's TUN (no datagram the script can make authenticates: it knows no keys, and genuine
 *       traffic it replays was delivered before, so the replay window refuses it);
 *   <li>the receive loop returned normally, B's threads are alive and nothing was logged at ERROR;
 *   <li>B's endpoint for A is still A's address (only authenticated packets may move it), and no packet buffer
 *       leaked;
 *   <li>A and B still complete a fresh handshake and carry a packet each way.
 * </ol>
 * Normal builds run the seeds in {@code DeviceReceiveFuzzTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn test -pl warren-wire,warren-crypto,warren-testing,warren-wireguard -am
 * -Dtest=DeviceReceiveFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}. Coverage guidance needs
 * {@code jazzer.instrument=dev.warren.**} (in {@code src/test/resources/junit-platform.properties}): with Jazzer's
 * default the fuzzer saw no coverage at all in this build.
 */
class DeviceReceiveFuzzTest {
    private static final Endpoint STRANGER = Endpoint.of(new byte[] {(byte) 203, 0, 113, 9}, 4444);
    private static final List<LogRecord> ERRORS = new CopyOnWriteArrayList<>();
    private static DevicePair pair;
    /** The last 256 datagrams on the network (both directions), genuine material for replays and mutations. */
    private static final java.util.ArrayDeque<byte[]> captured = new java.util.ArrayDeque<>();
    private static int round;

    static {
        Logger log = Logger.getLogger("warren.wireguard");
        log.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    ERRORS.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    /** One device pair for all inputs: starting devices per input would make fuzzing crawl. */
    private static synchronized DevicePair pair() throws Exception {
        if (pair == null) {
            pair = new DevicePair("fz", 1, 1);
            pair.net.dropWhen(d -> {
                synchronized (captured) {
                    if (captured.size() == 256) {
                        captured.removeFirst();
                    }
                    captured.addLast(d.clone());
                }
                return false;
            });
            assertRoundTrip(pair, "warm-up");
        }
        return pair;
    }

    @AfterAll
    static void closePair() {
        if (pair != null) {
            pair.close();
            pair = null;
        }
    }

    @FuzzTest(maxDuration = "60s")
    void arbitraryDatagramsNeverReachTheTunnel(byte[] input) throws Exception {
        DevicePair p = pair();
        p.quiesce();
        int poolBefore = p.b.pool.available();
        Endpoint endpointBefore = p.peerOnB().endpoint;
        List<byte[]> genuine;
        synchronized (captured) {
            genuine = List.copyOf(captured);
        }
        List<List<Script.Datagram>> batches = new Script(input, p, genuine).batches();

        for (List<Script.Datagram> batch : batches) {
            new Inbound(p.b, receiverOf(batch), Aead.create(), 64).run();
        }
        p.quiesce();
        assertNull(p.tunB.take(Duration.ZERO), "an unauthenticated or replayed datagram reached the TUN");
        assertEquals(List.of(), ERRORS.stream().map(LogRecord::getMessage).toList(), "errors were logged");
        assertThreadsAlive(p);
        assertEquals(endpointBefore, p.peerOnB().endpoint, "an unauthenticated datagram moved the endpoint");
        DevicePair.await("B's packet buffers all back in the pool", () -> p.b.pool.available() == poolBefore);

        // recovery: a fresh handshake (A's sessions are expired) and one packet each way
        p.advance(Duration.ofSeconds(6), Duration.ofSeconds(3));
        p.peerOnA().expireCurrentKeypairs();
        assertRoundTrip(p, "after input " + round++);
    }

    private static void assertRoundTrip(DevicePair p, String tag) throws InterruptedException {
        byte[] there = p.deliverAToB("A→B " + tag, 30);
        assertArrayEquals(p.aToB("A→B " + tag), there, "A→B after the fuzz input; drops on B: " + p.b.drops().snapshot());
        assertArrayEquals(p.bToA("B→A " + tag), p.deliverBToA("B→A " + tag, 30), "B→A after the fuzz input");
        assertNull(p.tunB.take(Duration.ZERO), "B got exactly one packet");
    }

    private static void assertThreadsAlive(DevicePair p) {
        Set<String> alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(java.util.stream.Collectors.toSet());
        for (String t : List.of("fz-b-udp-0", "fz-b-control", "fz-b-tun", "fz-b-crypto-0", "fz-a-udp-0", "fz-a-control")) {
            assertTrue(alive.contains(t), t + " died");
        }
    }

    /** A receiver that hands out one batch and then reports the socket closed, which ends {@link Inbound#run}. */
    private static Bind.Receiver receiverOf(List<Script.Datagram> batch) {
        return new Bind.Receiver() {
            private boolean done;

            @Override
            public int receive(PacketBuffer[] bufs, int max) throws ClosedChannelException {
                if (done) {
                    throw new ClosedChannelException();
                }
                done = true;
                int n = Math.min(max, batch.size());
                for (int i = 0; i < n; i++) {
                    Script.Datagram d = batch.get(i);
                    bufs[i].copyFrom(d.bytes(), 0, 0, d.bytes().length);
                    bufs[i].set(0, d.bytes().length);
                    bufs[i].setSource(d.from());
                }
                return n;
            }
        };
    }

    /**
     * Turns fuzzer bytes into datagrams. Each step reads an opcode byte: bit 7 picks the source (A's real
     * endpoint or a stranger), bit 6 ends the current batch after this datagram, the low three bits the kind:
     * <pre>
     * 0 raw            u16 length, then that many bytes
     * 1 transport      to a live session of B's (u8 picks which), u64 counter, u8 length of the ciphertext
     * 2 mutated        a captured genuine datagram (u8 picks), then u8 count of (u16 position, u8 xor) flips
     * 3 initiation     the 140 body bytes from the input, with a valid mac1 for B (mac2 zero)
     * 4 response       receiver = a live index of B's, the rest from the input, valid mac1
     * 5 cookie reply   receiver = a live index of B's, nonce and cookie from the input
     * 6 truncated      a captured datagram (u8 picks) cut to u16 length
     * 7 replayed       a captured datagram (u8 picks), unchanged
     * </pre>
     * Missing input bytes read as zero, so every input is a valid script.
     */
    static final class Script {
        record Datagram(byte[] bytes, Endpoint from) {
        }

        private static final int MAX_DATAGRAMS = 64;
        private final ByteBuffer in;
        private final DevicePair pair;
        private final List<byte[]> captured;
        private final byte[] mac1Key;

        Script(byte[] input, DevicePair pair, List<byte[]> captured) {
            this.in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
            this.pair = pair;
            this.captured = List.copyOf(captured);
            this.mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, pair.publicB().toBytes());
        }

        List<List<Datagram>> batches() {
            List<List<Datagram>> batches = new ArrayList<>();
            List<Datagram> current = new ArrayList<>();
            int count = 0;
            while (in.hasRemaining() && count++ < MAX_DATAGRAMS) {
                int op = u8();
                Endpoint from = (op & 0x80) != 0 ? DevicePair.A_UDP : STRANGER;
                current.add(new Datagram(datagram(op & 7), from));
                if ((op & 0x40) != 0) {
                    batches.add(current);
                    current = new ArrayList<>();
                }
            }
            if (!current.isEmpty()) {
                batches.add(current);
            }
            return batches;
        }

        private byte[] datagram(int kind) {
            return switch (kind) {
                case 0 -> bytes(u16() % 1600);
                case 1 -> {
                    int index = liveIndex(u8());
                    long counter = u64();
                    byte[] d = new byte[TransportHeader.SIZE + u8() + WgMessage.TAG_SIZE];
                    ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
                    b.putInt(WgMessage.TYPE_TRANSPORT).putInt(index).putLong(counter).put(bytes(d.length - 16));
                    yield d;
                }
                case 2 -> {
                    byte[] d = pick(u8());
                    int flips = u8() % 8;
                    for (int i = 0; i < flips && d.length > 0; i++) {
                        d[u16() % d.length] ^= (byte) u8();
                    }
                    yield d;
                }
                case 3 -> withMac1(WgMessage.TYPE_INITIATION, bytes(WgMessage.Initiation.OFFSET_MAC1 - 4),
                        WgMessage.Initiation.SIZE);
                case 4 -> {
                    ByteBuffer body = ByteBuffer.allocate(WgMessage.Response.OFFSET_MAC1 - 4).order(ByteOrder.LITTLE_ENDIAN);
                    body.putInt(u32()).putInt(liveIndex(u8())).put(bytes(body.remaining()));
                    yield withMac1(WgMessage.TYPE_RESPONSE, body.array(), WgMessage.Response.SIZE);
                }
                case 5 -> {
                    ByteBuffer d = ByteBuffer.allocate(WgMessage.CookieReply.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                    d.putInt(WgMessage.TYPE_COOKIE_REPLY).putInt(liveIndex(u8())).put(bytes(d.remaining()));
                    yield d.array();
                }
                case 6 -> {
                    byte[] d = pick(u8());
                    yield Arrays.copyOf(d, d.length == 0 ? 0 : u16() % d.length);
                }
                default -> pick(u8());
            };
        }

        private byte[] withMac1(int type, byte[] body, int size) {
            byte[] m = new byte[size];
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(type).put(body);
            int macOffset = size - 2 * WgMessage.MAC_SIZE;
            Blake2s.mac(mac1Key, m, 0, macOffset, m, macOffset);
            return m;
        }

        /** One of the indices B would accept now: its sessions for A and its handshake in progress. */
        private int liveIndex(int which) {
            Peer peer = pair.peerOnB();
            Keypair[] kps = {peer.current, peer.previous, peer.next};
            Keypair kp = kps[which % 3];
            if (kp != null) {
                return kp.localIndex;
            }
            synchronized (peer.handshake) {
                return peer.handshake.localIndex;
            }
        }

        private byte[] pick(int which) {
            return captured.isEmpty() ? new byte[0] : captured.get(which % captured.size()).clone();
        }

        private int u8() {
            return in.hasRemaining() ? in.get() & 0xff : 0;
        }

        private int u16() {
            return u8() | u8() << 8;
        }

        private int u32() {
            return u16() | u16() << 16;
        }

        private long u64() {
            return (u32() & 0xffffffffL) | (long) u32() << 32;
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            int k = Math.min(n, in.remaining());
            in.get(b, 0, k);
            return b;
        }
    }
}
