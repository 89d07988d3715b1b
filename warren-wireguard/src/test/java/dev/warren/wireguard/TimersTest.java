package dev.warren.wireguard;

import dev.warren.wire.wireguard.WgMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WireGuard's timers (paper §6) on a real device, on fake time, against a scripted peer that sends exactly what
 * the test says: rekey on send after REKEY_AFTER_TIME (initiators only); no use of a session older than
 * REJECT_AFTER_TIME in either direction; all key material forgotten 3 × REJECT_AFTER_TIME after the last
 * session was derived; a keepalive KEEPALIVE_TIMEOUT after received data that was not answered (and a second one
 * for data that arrived meanwhile); persistent keepalives at their interval; at most one initiation per
 * REKEY_TIMEOUT; a responder's session confirmed only by the initiator's first packet; and the initiator's
 * "last minute" handshake when data arrives on a session about to expire. Boundaries are checked on both sides.
 */
class TimersTest {
    // The protocol's values (paper §6.1, wireguard-go's device/constants.go), written out instead of read from the
    // engine's Protocol class, so that a wrong constant in the engine fails these tests.
    private static final long SECOND = 1_000_000_000L;
    private static final long MILLISECOND = 1_000_000L;
    private static final long REKEY_AFTER_TIME = 120 * SECOND;
    private static final long REJECT_AFTER_TIME = 180 * SECOND;
    private static final long REKEY_TIMEOUT = 5 * SECOND;
    private static final long REKEY_TIMEOUT_JITTER_MAX = 334 * MILLISECOND;
    private static final long KEEPALIVE_TIMEOUT = 10 * SECOND;
    private static final Duration STEP = Duration.ofMillis(100);
    private static final Duration COARSE = Duration.ofSeconds(5);

    @Test
    void initiatorRekeysWhenSendingOnASessionOlderThanRekeyAfterTime() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeDeviceInitiates();
            long created = t.peer().current.created;
            t.sendAndWait(t.script.keepalive());
            t.advanceTo(created + REKEY_AFTER_TIME - SECOND, COARSE);
            assertEquals(List.of(), kinds(t, t.drain(Duration.ofMillis(50))), "silence while nobody sends");

            t.tun.inject(t.outbound());
            assertEquals(List.of("transport"), kinds(t, t.drain(Duration.ofMillis(200))), "119 s: data only");
            t.advanceTo(created + REKEY_AFTER_TIME + MILLISECOND, STEP);
            t.tun.inject(t.outbound());
            assertEquals(List.of("initiation", "transport"), sorted(kinds(t, t.drain(Duration.ofMillis(200)))),
                    "120.001 s: the data still goes out on the old session, and a new handshake starts");
        }
    }

    @Test
    void responderDoesNotRekeyOnSend() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeScriptInitiates();
            long created = t.peer().current.created;
            t.advanceTo(created + REKEY_AFTER_TIME + SECOND, COARSE);
            t.drain(Duration.ofMillis(50)); // the keepalive answering the confirming packet
            t.tun.inject(t.outbound());
            assertEquals(List.of("transport"), kinds(t, t.drain(Duration.ofMillis(200))));
        }
    }

    @Test
    void aSessionOlderThanRejectAfterTimeIsNeverUsed() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeDeviceInitiates();
            Keypair old = t.peer().current;
            t.sendAndWait(t.script.keepalive());
            t.advanceTo(old.created + REJECT_AFTER_TIME - MILLISECOND, COARSE);

            t.tun.inject(t.outbound());
            List<byte[]> out = t.drain(Duration.ofMillis(200));
            assertEquals(List.of("initiation", "transport"), sorted(kinds(t, out)), "179.999 s: still sent, rekeying");
            byte[] initiation = out.stream().filter(d -> ScriptedPeer.typeOf(d) == WgMessage.TYPE_INITIATION)
                    .findFirst().orElseThrow();
            byte[] early = t.inbound();
            t.send(t.script.seal(early));
            assertArrayEquals(early, t.tun.take(DeviceVsScript.WAIT), "179.999 s: still accepted");

            t.advanceTo(old.created + REJECT_AFTER_TIME, STEP);
            byte[] staged = t.outbound();
            t.tun.inject(staged);
            t.expectSilence("180 s: the old session is not used, and the initiation is not repeated within 5 s");
            long expired = t.device.drops().get(Drops.Reason.EXPIRED_SESSION);
            t.send(t.script.seal(t.inbound()));
            DevicePair.await("the late packet is refused",
                    () -> t.device.drops().get(Drops.Reason.EXPIRED_SESSION) == expired + 1);
            assertNull(t.tun.take(Duration.ofMillis(50)), "nothing from the expired session reaches the TUN");

            byte[] response = t.script.respond(initiation);
            assertNotNull(response);
            t.send(response);
            byte[] data = t.socket.receiveType(WgMessage.TYPE_TRANSPORT, DeviceVsScript.WAIT);
            assertNotNull(data);
            assertArrayEquals(staged, IcmpPackets.trim(t.script.open(data)), "the staged packet, under the new session");
            assertNotSame(old, t.peer().current);
        }
    }

    @Test
    void keyMaterialIsForgottenThreeRejectAfterTimesAfterTheLastHandshake() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeDeviceInitiates();
            Keypair kp = t.peer().current;
            t.sendAndWait(t.script.keepalive());
            t.advanceTo(kp.created + 3 * REJECT_AFTER_TIME - SECOND, Duration.ofSeconds(10));
            assertEquals(List.of(), kinds(t, t.drain(Duration.ofMillis(50))), "nothing sent in 539 s of silence");
            assertSame(kp, t.peer().current, "539 s: the session is still held");
            assertSame(kp, t.device.indices.get(kp.localIndex));

            t.advance(Duration.ofSeconds(2), STEP);
            assertNull(t.peer().current, "541 s: forgotten");
            assertNull(t.peer().previous);
            assertNull(t.peer().next);
            assertNull(t.device.indices.get(kp.localIndex), "its index no longer resolves");
            synchronized (t.peer().handshake) {
                assertEquals(Handshake.State.ZEROED, t.peer().handshake.state);
                assertNull(t.peer().handshake.chainKey);
            }
            long unknown = t.device.drops().get(Drops.Reason.UNKNOWN_INDEX);
            t.send(t.script.seal(t.inbound()));
            DevicePair.await("the old session's packets are unknown",
                    () -> t.device.drops().get(Drops.Reason.UNKNOWN_INDEX) == unknown + 1);
        }
    }

    @Test
    void keepaliveTenSecondsAfterUnansweredData() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeScriptInitiates(); // ends with a data packet the device does not answer
            t.advance(Duration.ofNanos(KEEPALIVE_TIMEOUT - STEP.toNanos()), STEP);
            t.expectSilence("no keepalive before 10 s");
            t.advance(STEP, STEP);
            byte[] d = t.next(DeviceVsScript.WAIT);
            assertNotNull(d, "a keepalive at 10 s");
            assertEquals("keepalive", t.describe(d));
            t.advance(Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertEquals(List.of(), kinds(t, t.drain(Duration.ofMillis(50))), "and only one");
        }
    }

    @Test
    void dataArrivingWhileAKeepaliveIsPendingEarnsASecondOne() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeScriptInitiates();
            t.advance(Duration.ofSeconds(5), STEP);
            byte[] in = t.inbound();
            t.send(t.script.seal(in));
            assertArrayEquals(in, t.tun.take(DeviceVsScript.WAIT));
            t.advance(Duration.ofSeconds(5), STEP);
            assertEquals(List.of("keepalive"), kinds(t, t.drain(Duration.ofMillis(100))), "at 10 s");
            t.advance(Duration.ofNanos(KEEPALIVE_TIMEOUT - STEP.toNanos()), STEP);
            t.expectSilence("not before 20 s");
            t.advance(STEP, STEP);
            assertEquals(List.of("keepalive"), kinds(t, t.drain(Duration.ofMillis(100))), "at 20 s");
        }
    }

    @Test
    void noKeepaliveWhenTheDeviceAnsweredWithData() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeScriptInitiates();
            t.advance(Duration.ofSeconds(4), STEP);
            t.tun.inject(t.outbound());
            assertEquals(List.of("transport"), kinds(t, t.drain(Duration.ofMillis(200))));
            t.advance(Duration.ofSeconds(12), STEP);
            assertEquals(List.of(), kinds(t, t.drain(Duration.ofMillis(50))), "the data counted as the answer");
        }
    }

    @Test
    void persistentKeepaliveAtItsInterval() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript(25)) {
            // turning it on sends a keepalive at once, which first needs a handshake
            byte[] init = t.socket.receiveType(WgMessage.TYPE_INITIATION, DeviceVsScript.WAIT);
            assertNotNull(init, "persistent keepalive starts a handshake without any traffic");
            t.send(t.script.respond(init));
            byte[] first = t.socket.receiveType(WgMessage.TYPE_TRANSPORT, DeviceVsScript.WAIT);
            assertEquals("keepalive", t.describe(first));
            t.quiesce();
            for (int round = 1; round <= 2; round++) {
                t.advance(Duration.ofSeconds(25).minus(STEP), Duration.ofMillis(500));
                t.expectSilence("no keepalive before " + 25 * round + " s");
                t.advance(STEP, STEP);
                assertEquals(List.of("keepalive"), kinds(t, t.drain(Duration.ofMillis(100))), "at " + 25 * round + " s");
            }
        }
    }

    @Test
    void atMostOneInitiationPerRekeyTimeout() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            List<Long> sentAt = java.util.Collections.synchronizedList(new ArrayList<>());
            t.net.dropWhen(d -> { // runs on the device's thread as it sends: record the time it decided to send at
                if (ScriptedPeer.typeOf(d) == WgMessage.TYPE_INITIATION) {
                    synchronized (t.peer().handshake) {
                        sentAt.add(t.peer().handshake.lastSentHandshake);
                    }
                }
                return false;
            });
            Duration step = Duration.ofMillis(250);
            for (int i = 0; i < 240; i++) { // 60 s of a host that keeps sending, and a peer that never answers
                t.tun.inject(t.outbound());
                if (i == 0) {
                    DevicePair.await("the first initiation", () -> !sentAt.isEmpty());
                }
                t.advance(step, step);
                t.socket.drain();
            }
            List<Long> times = List.copyOf(sentAt);
            assertTrue(times.size() >= 10, "retries kept coming: " + times.size());
            for (int i = 1; i < times.size(); i++) {
                long gap = times.get(i) - times.get(i - 1);
                assertTrue(gap >= REKEY_TIMEOUT, "initiations " + i + " and " + (i + 1) + " only " + gap + " ns apart");
                assertTrue(gap <= REKEY_TIMEOUT + REKEY_TIMEOUT_JITTER_MAX + 2 * step.toNanos(),
                        "retry " + i + " late: " + gap + " ns");
            }
        }
    }

    @Test
    void responderConfirmsTheSessionOnlyOnTheFirstPacket() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.send(t.script.initiation());
            byte[] response = t.socket.receiveType(WgMessage.TYPE_RESPONSE, DeviceVsScript.WAIT);
            assertTrue(t.script.consumeResponse(response));
            t.quiesce();
            Keypair next = t.peer().next;
            assertNotNull(next, "the responder's session waits in next");
            assertNull(t.peer().current);
            assertEquals(0, t.peer().lastHandshakeEpochNanos, "not a completed handshake yet");

            byte[] out = t.outbound();
            t.tun.inject(out);
            t.expectSilence("the responder may not send before the initiator proved it has the session");

            t.send(t.script.keepalive());
            byte[] data = t.socket.receiveType(WgMessage.TYPE_TRANSPORT, DeviceVsScript.WAIT);
            assertNotNull(data, "the first packet confirms the session and releases the staged one");
            assertArrayEquals(out, IcmpPackets.trim(t.script.open(data)));
            assertSame(next, t.peer().current);
            assertNull(t.peer().next);
            assertTrue(t.peer().lastHandshakeEpochNanos > 0);
        }
    }

    @Test
    void initiatorRenewsALastMinuteSessionWhenDataArrives() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeDeviceInitiates();
            Keypair kp = t.peer().current;
            t.sendAndWait(t.script.keepalive());
            long threshold = kp.created + REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;

            t.advanceTo(threshold - SECOND, COARSE);
            t.send(t.script.seal(t.inbound()));
            assertNotNull(t.tun.take(DeviceVsScript.WAIT));
            t.expectSilence("164 s: data received, no renewal yet");

            t.advanceTo(threshold + SECOND, STEP);
            t.drain(Duration.ofMillis(50));
            t.send(t.script.seal(t.inbound()));
            assertNotNull(t.tun.take(DeviceVsScript.WAIT));
            byte[] init = t.socket.receiveType(WgMessage.TYPE_INITIATION, DeviceVsScript.WAIT);
            assertNotNull(init, "166 s: receiving on the old session triggers a new handshake");
            assertTrue(t.peer().timers.sentLastMinuteHandshake);

            t.send(t.script.respond(init));
            DevicePair.await("the renewed session", () -> t.peer().current != kp);
            assertFalse(t.peer().timers.sentLastMinuteHandshake, "reset by the completed handshake");
        }
    }

    @Test
    void responderDoesNoLastMinuteHandshake() throws Exception {
        try (DeviceVsScript t = new DeviceVsScript()) {
            t.handshakeScriptInitiates();
            long created = t.peer().current.created;
            t.advanceTo(created + REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT + SECOND, COARSE);
            t.drain(Duration.ofMillis(50));
            t.send(t.script.seal(t.inbound()));
            assertNotNull(t.tun.take(DeviceVsScript.WAIT));
            t.expectSilence("a responder leaves renewal to the initiator");
        }
    }

    private static List<String> kinds(DeviceVsScript t, List<byte[]> datagrams) {
        return datagrams.stream().map(d -> {
            String k = t.describe(d);
            return k.startsWith("transport with") ? "transport" : k;
        }).toList();
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }
}
