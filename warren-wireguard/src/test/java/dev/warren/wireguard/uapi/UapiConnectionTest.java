package dev.warren.wireguard.uapi;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static dev.warren.wireguard.uapi.UapiGoldenTest.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The request loop of one connection, driven with byte streams. */
class UapiConnectionTest {

    @Test
    void answersEveryRequestInOrder() throws Exception {
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        String out = serve("get=1\n\nset=1\nlisten_port=4242\n\nget=1\n\n", device);
        assertEquals("errno=0\n\nerrno=0\n\nlisten_port=4242\nerrno=0\n\n", out);
    }

    @Test
    void carriesOnAfterAnInvalidTransaction() throws Exception {
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        String out = serve("set=1\nlisten_port=1\nnonsense=2\n\nget=1\n\n", device);
        assertEquals("errno=-22\n\nerrno=0\n\n", out, "nothing of the bad transaction was applied");
        assertEquals(0, device.applied.size());
    }

    @Test
    void closesAfterAnErrorThatLosesTheFraming() throws Exception {
        assertEquals("errno=-22\n\n", serve("frobnicate=1\n\nget=1\n\n", new InMemoryUapiDevice()));
        assertEquals("errno=-5\n\n", serve("set=1\nlisten_port=" + "9".repeat(5000) + "\n\nget=1\n\n",
                new InMemoryUapiDevice()));
        assertEquals("errno=-22\n\n", serve("get=1\n", new InMemoryUapiDevice()), "get=1 without its empty line");
    }

    @Test
    void deviceErrorsBecomeErrnos() throws Exception {
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        device.busyPort = 51820;
        assertEquals("errno=-98\n\nerrno=0\n\n", serve("set=1\nlisten_port=51820\n\nget=1\n\n", device));

        UapiDevice broken = new UapiDevice() {
            @Override
            public DeviceState state() {
                throw new IllegalStateException("boom");
            }

            @Override
            public void apply(SetRequest request) {
                throw new IllegalStateException("boom");
            }
        };
        assertEquals("errno=-55\n\nerrno=-55\n\n", serve("set=1\n\nget=1\n\n", broken));
    }

    @Test
    void emptyStreamAndProbeConnectionsAreSilent() throws Exception {
        assertEquals("", serve("", new InMemoryUapiDevice()));
    }

    @Test
    void endOfStreamAtLineBoundaryEndsTheTransaction() throws Exception {
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        assertEquals("errno=0\n\n", serve("set=1\nlisten_port=3\n", device));
        assertEquals(3, device.state().listenPort());
        assertEquals("errno=-71\n\n", serve("set=1\nlisten_port=4", device), "a truncated line is not applied");
        assertEquals(3, device.state().listenPort());
    }

    @Test
    void manyRequestsOnOneConnection() throws Exception {
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 500; i++) {
            in.append("set=1\nlisten_port=").append(i).append("\n\nget=1\n\n");
            expected.append("errno=0\n\nlisten_port=").append(i).append("\nerrno=0\n\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UapiConnection.serve(new ByteArrayInputStream(in.toString().getBytes(StandardCharsets.US_ASCII)), out,
                new InMemoryUapiDevice(), new ReentrantReadWriteLock(), 128, 16);
        assertEquals(expected.toString(), out.toString(StandardCharsets.US_ASCII));
    }
}
