package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden request and response files: every valid request parses to the normalised request in its
 * {@code .expected} file; every invalid one is answered with the errno its name starts with and reaches
 * no device; the get response matches the file byte for byte.
 */
class UapiGoldenTest {

    @TestFactory
    Stream<DynamicTest> validRequestsNormalise() {
        return Fixtures.list("valid", ".request").stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            SetRequest parsed = UapiParser.parseSet(Fixtures.read("valid/" + name));
            String normalised = UapiWriter.formatSetRequest(parsed);
            String expectedName = "valid/" + name.replace(".request", ".expected");
            if (Fixtures.UPDATE) {
                Fixtures.writeSource(expectedName, normalised);
                return;
            }
            assertEquals(Fixtures.read(expectedName), normalised);
            assertEquals(parsed, UapiParser.parseSet(normalised), "normalised form must parse to the same request");
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidRequestsAreRejectedWithTheirErrno() {
        return Fixtures.list("invalid", ".request").stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            String base = name.startsWith("strict-") ? name.substring("strict-".length()) : name;
            int errno = switch (base.substring(0, base.indexOf('-'))) {
                case "einval" -> UapiException.EINVAL;
                case "eproto" -> UapiException.EPROTO;
                case "eio" -> UapiException.EIO;
                default -> throw new IllegalArgumentException("fixture name must start with the errno: " + name);
            };
            RecordingDevice device = new RecordingDevice();
            String response = serve(Fixtures.read("invalid/" + name), device);
            assertEquals("errno=-" + errno + "\n\n", response);
            assertEquals(0, device.applies, "a rejected request must not reach the device");
        }));
    }

    @Test
    void errorMessagesNameTheLine() {
        UapiException e = org.junit.jupiter.api.Assertions.assertThrows(UapiException.class,
                () -> UapiParser.parse(Fixtures.read("invalid/einval-error-after-valid-lines.request")));
        assertTrue(e.getMessage().startsWith("line 7: endpoint \"nope\""), e.getMessage());
        UapiException key = org.junit.jupiter.api.Assertions.assertThrows(UapiException.class,
                () -> UapiParser.parse(Fixtures.read("invalid/einval-private-key-short.request")));
        assertEquals("line 2: private_key must be 64 hex digits", key.getMessage(), "no key material in messages");
    }

    @Test
    void getResponseMatchesGolden() throws Exception {
        String actual = UapiWriter.formatGetResponse(sampleState());
        if (Fixtures.UPDATE) {
            Fixtures.writeSource("get/sample.response", actual);
            return;
        }
        assertEquals(Fixtures.read("get/sample.response"), actual);
        assertEquals(sampleState(), UapiResponseParser.parseGet(
                new ByteArrayInputStream(actual.getBytes(StandardCharsets.US_ASCII))));
    }

    /**
     * The request in {@code get/wireguard-go.request} was sent to wireguard-go 0.0.20220316 and its get
     * response saved as {@code get/wireguard-go.response} (see {@code WireguardGoLabTest}); the model device
     * must answer the same, up to the order of peers (wireguard-go lists them in Go map order).
     */
    @Test
    void getResponseMatchesWhatWireguardGoAnswered() throws Exception {
        if (!Fixtures.exists("get/wireguard-go.response")) {
            return; // recorded by the lab test
        }
        InMemoryUapiDevice device = new InMemoryUapiDevice();
        device.apply(UapiParser.parseSet(Fixtures.read("get/wireguard-go.request")));
        assertEquals(Blocks.of(Fixtures.read("get/wireguard-go.response")),
                Blocks.of(UapiWriter.formatGetResponse(device.state())));
    }

    static DeviceState sampleState() {
        PeerState one = new PeerState(
                PublicKey.fromHex("b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33"),
                PresharedKey.fromHex("188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52"),
                Endpoint.parse("[abcd:23::33%2]:51820"), 1_700_000_000_123_456_789L, 38_333L, 2_224L, 0,
                List.of(IpPrefix.parse("192.168.4.4/32")));
        PeerState two = new PeerState(
                PublicKey.fromHex("58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376"),
                null, Endpoint.parse("182.122.22.19:3233"), 0, -1L, 0, 111,
                List.of(IpPrefix.parse("192.168.4.6/32"), IpPrefix.parse("::ffff:10.0.0.0/104"),
                        IpPrefix.parse("2001:db8:0:0:1::/80")));
        PeerState three = new PeerState(
                PublicKey.fromHex("662e14fd594556f522604703340351258903b64f35553763f19426ab2a515c58"),
                null, null, 0, 0, 0, 0, List.of());
        return new DeviceState(
                PrivateKey.fromHex("e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a"),
                12912, 0xdeadbeef, List.of(one, two, three));
    }

    /** Runs one request stream through a connection loop and returns everything it answered. */
    static String serve(String input, UapiDevice device) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UapiConnection.serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.ISO_8859_1)), out, device,
                new ReentrantReadWriteLock(), UapiParser.DEFAULT_MAX_LINE_LENGTH, UapiParser.DEFAULT_MAX_LINES);
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** A device that only counts calls. */
    static final class RecordingDevice implements UapiDevice {
        int applies;
        int gets;

        @Override
        public DeviceState state() {
            gets++;
            return DeviceState.empty();
        }

        @Override
        public void apply(SetRequest request) {
            applies++;
        }
    }

    /** A get response as its device lines plus the multiset of its peer blocks (peer order ignored). */
    record Blocks(List<String> device, List<String> peers) {
        static Blocks of(String response) {
            List<String> device = new java.util.ArrayList<>();
            List<String> peers = new java.util.ArrayList<>();
            StringBuilder current = null;
            for (String line : response.split("\n", -1)) {
                if (line.startsWith("public_key=")) {
                    if (current != null) {
                        peers.add(current.toString());
                    }
                    current = new StringBuilder();
                }
                if (line.startsWith("errno=") || line.isEmpty()) {
                    device.add(line);
                } else if (current != null) {
                    current.append(line).append('\n');
                } else {
                    device.add(line);
                }
            }
            if (current != null) {
                peers.add(current.toString());
            }
            peers.sort(null);
            return new Blocks(device, peers);
        }
    }
}
