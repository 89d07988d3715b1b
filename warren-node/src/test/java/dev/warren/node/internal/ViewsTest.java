package dev.warren.node.internal;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PublicKey;
import dev.warren.wireguard.uapi.PeerState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ViewsTest {
    private static PeerState at(String endpoint) {
        return new PeerState(PublicKey.of(new byte[32]), null, endpoint == null ? null : Endpoint.parse(endpoint),
                0, 0, 0, 0, List.of());
    }

    @Test
    void statusShowsTheDirectPathInsteadOfMagicsocksSyntheticEndpoint() {
        assertEquals("10.77.0.11:41641", Views.endpoint(at("[100::1]:1"), "direct 10.77.0.11:41641"));
        assertNull(Views.endpoint(at("[100::1]:1"), "relay lan"), "relayed: no underlay address of the peer");
        assertNull(Views.endpoint(at("[100::1]:1"), "-"));
        assertEquals("192.0.2.2:51820", Views.endpoint(at("192.0.2.2:51820"), null), "the plain data plane");
        assertNull(Views.endpoint(at(null), "direct 10.0.0.1:1"), "no endpoint configured at all");
    }
}
