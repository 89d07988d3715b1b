package dev.warren.control;

import dev.warren.channel.ControlChannelClient;
import dev.warren.channel.ControlConnection;
import dev.warren.crypto.X25519;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Register and stream over the real transport: Noise IK over WebSocket on loopback. */
class RealChannelTest {
    @TempDir
    Path dir;

    @Test
    void registerAndStreamOverNoise() throws Exception {
        try (ControlServer s = ControlServer.start(ControlServerConfig.loopback(dir, Clock.system()))) {
            s.admin().createDomain("corp", false);
            String key = s.admin().createAuthKey(new AuthKeySpec("corp", true, false, false, null, null, null));
            PrivateKey machine = X25519.generatePrivateKey();
            NodeKey nodeKey = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
            try (ControlConnection c = ControlChannelClient.connect(s.url(), s.publicKey(), machine,
                    Duration.ofSeconds(10))) {
                c.send(ControlJson.encode(new RegisterRequest(CapabilityVersion.CURRENT, nodeKey, null, key,
                        new Hostinfo("real", "linux", "t"), false, null, null)));
                RegisterResponse r = assertInstanceOf(RegisterResponse.class, ControlJson.decode(c.receive()));
                assertTrue(r.machineAuthorized());
                c.send(ControlJson.encode(new MapRequest(CapabilityVersion.CURRENT, nodeKey, true, null,
                        List.of("127.0.0.1:41641"), null, 0)));
                MapResponse m = assertInstanceOf(MapResponse.class, ControlJson.decode(c.receive()));
                assertTrue(m.isFull());
                assertEquals("real", m.node().name());
                assertEquals("corp", m.settings().domain());
                assertEquals(List.of("127.0.0.1:41641"), m.node().endpoints());
            }
            String machineKeyText = s.admin().listNodes("corp").getFirst().machineKey();
            assertTrue(machineKeyText.endsWith(X25519.publicKey(machine).toHex()), machineKeyText);
        }
    }
}
