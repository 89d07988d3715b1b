package dev.warren.wire.control;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RelayMapsTest {
    static final String GOOD = """
            {"regions": [{"id": 1, "code": "fra", "name": "Frankfurt",
                          "nodes": [{"name": "fra1", "host": "relay1.example.net", "ipv4": "203.0.113.7",
                                     "port": 443, "stunPort": 3478, "tls": true},
                                    {"name": "fra2", "host": "relay2.example.net", "ipv6": "2001:db8::2",
                                     "port": 8443}]},
                         {"id": 2, "code": "nyc", "nodes": [{"name": "nyc1", "host": "192.0.2.9", "port": 80}]}]}
            """;

    private static RelayMap parse(String json) {
        return RelayMaps.parse("relays.json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theJavadocFormatParses() {
        RelayMap m = parse(GOOD);
        assertEquals(2, m.regions().size());
        RelayMap.RelayRegion fra = m.region(1);
        assertEquals("fra", fra.code());
        assertEquals(new RelayMap.RelayNode("fra1", "relay1.example.net", "203.0.113.7", null, 443, 3478, true),
                fra.nodes().get(0));
        assertEquals(new RelayMap.RelayNode("fra2", "relay2.example.net", null, "2001:db8::2", 8443, 0, false),
                fra.nodes().get(1));
        assertEquals(null, m.region(2).name());
        assertEquals(m, RelayMaps.validate("x", m));
        assertEquals(new RelayMap(List.of()), parse("{\"regions\":[]}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"port\": 8443|\"port\": 70000|relays.json: regions[0].nodes[1].port: must be 1..65535",
            "\"port\": 8443|\"port\": 0|relays.json: regions[0].nodes[1].port: must be 1..65535",
            "\"port\": 8443|\"port\": \"x\"|relays.json: regions[0].nodes[1].port: must be an integer",
            "\"stunPort\": 3478|\"stunPort\": -1|relays.json: regions[0].nodes[0].stunPort: must be 0 (no STUN) or 1..65535",
            "\"id\": 2|\"id\": 1|relays.json: regions[1].id: region id 1 is used twice",
            "\"id\": 2|\"id\": 0|relays.json: regions[1].id: must be a positive integer, got 0",
            "\"id\": 2|\"id\": -4|relays.json: regions[1].id: must be a positive integer, got -4",
            "\"code\": \"nyc\"|\"code\": \"NYC\"|relays.json: regions[1].code: 'NYC' must be 1..32 lowercase letters, digits or '-', starting with a letter or digit",
            "\"code\": \"nyc\"|\"code\": \"fra\"|relays.json: regions[1].code: region code 'fra' is used twice",
            "\"host\": \"192.0.2.9\"|\"host\": \"\"|relays.json: regions[1].nodes[0].host: must not be empty",
            "\"host\": \"192.0.2.9\",|\"hostname\": \"192.0.2.9\",|relays.json: regions[1].nodes[0].hostname: unknown field (known: [host, ipv4, ipv6, name, port, stunPort, tls])",
            "\"ipv4\": \"203.0.113.7\"|\"ipv4\": \"203.0.113\"|relays.json: regions[0].nodes[0].ipv4: '203.0.113' is not an IPv4 address",
            "\"ipv4\": \"203.0.113.7\"|\"ipv4\": \"2001:db8::1\"|relays.json: regions[0].nodes[0].ipv4: '2001:db8::1' is not an IPv4 address",
            "\"ipv6\": \"2001:db8::2\"|\"ipv6\": \"10.0.0.1\"|relays.json: regions[0].nodes[1].ipv6: '10.0.0.1' is not an IPv6 address",
            "\"name\": \"fra2\"|\"name\": \"fra1\"|relays.json: regions[0].nodes[1].name: relay name 'fra1' is used twice",
            "\"tls\": true|\"tls\": \"yes\"|relays.json: regions[0].nodes[0].tls: must be true or false",
            "\"nodes\": [{\"name\": \"nyc1\", \"host\": \"192.0.2.9\", \"port\": 80}]|\"nodes\": []|relays.json: regions[1].nodes: required: an array of at least one relay node",
    })
    void badFieldsAreNamedWithTheirPath(String from, String to, String message) {
        String json = GOOD.replace(from, to);
        assertEquals(false, json.equals(GOOD), "the test edits the document");
        var e = assertThrows(IllegalArgumentException.class, () -> parse(json));
        assertEquals(message, e.getMessage());
    }

    @Test
    void badDocumentsAreNamed() {
        assertEquals("relays.json: regions: required: an array of regions",
                assertThrows(IllegalArgumentException.class, () -> parse("{}")).getMessage());
        assertEquals("relays.json: (top level): must be a JSON object with a 'regions' array",
                assertThrows(IllegalArgumentException.class, () -> parse("[1]")).getMessage());
        String e = assertThrows(IllegalArgumentException.class, () -> parse("{\"regions\": [")).getMessage();
        assertEquals(true, e.startsWith("relays.json: not valid JSON: line 1"), e);
        assertEquals("relays.json: regions[0]: must be an object",
                assertThrows(IllegalArgumentException.class, () -> parse("{\"regions\": [3]}")).getMessage());
        assertEquals("relays.json: regions[0].code: required", assertThrows(IllegalArgumentException.class,
                () -> parse("{\"regions\": [{\"id\": 1, \"nodes\": []}]}")).getMessage());
    }
}
