package dev.warren.wire.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.wire.net.IpAddresses;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks a {@link RelayMap} in the JSON form its javadoc shows (a control server's {@code --relay-map}
 * file, the admin API's {@code PUT /api/v1/relay-map} body).
 *
 * <p>Every problem is reported as one {@link IllegalArgumentException} whose message is
 * {@code <source>: <field path>: <problem>}, e.g. {@code relays.json: regions[0].nodes[1].port: must be 1..65535}.
 * Rules: the top level is an object with a {@code regions} array; region ids are positive and unique; codes are
 * 1..32 lowercase letters, digits or '-' and unique; every region has at least one node; node names are non-empty
 * and unique in the map; {@code host} is required; {@code ipv4}/{@code ipv6}, when present, are IPv4/IPv6 literals;
 * {@code port} is 1..65535; {@code stunPort} is 0 (none) or 1..65535; {@code tls} is a boolean. Unknown fields are
 * refused too (a typo such as {@code "stunport"} would otherwise silently turn STUN off).
 *
 * <p>Stateless and thread-safe.
 */
public final class RelayMaps {
    /** Largest relay-map document accepted. */
    public static final int MAX_BYTES = 1 << 20;
    private static final Pattern CODE = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Set<String> REGION_FIELDS = Set.of("id", "code", "name", "nodes");
    private static final Set<String> NODE_FIELDS = Set.of("name", "host", "ipv4", "ipv6", "port", "stunPort", "tls");

    private RelayMaps() {
    }

    /** Parses and validates {@code json}; {@code source} (a file name) prefixes every error message. */
    public static RelayMap parse(String source, byte[] json) {
        if (json.length > MAX_BYTES) {
            throw new IllegalArgumentException(source + ": larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = ControlJson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": unreadable: " + e.getMessage());
        }
        return fromTree(source, root);
    }

    /** Validates an already built map (e.g. one a program made), with the same rules and messages. */
    public static RelayMap validate(String source, RelayMap map) {
        return fromTree(source, ControlJson.mapper().valueToTree(map));
    }

    private static RelayMap fromTree(String source, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw bad(source, "(top level)", "must be a JSON object with a 'regions' array");
        }
        unknown(source, "", root, Set.of("regions"));
        JsonNode regions = root.get("regions");
        if (regions == null || !regions.isArray()) {
            throw bad(source, "regions", "required: an array of regions");
        }
        List<RelayMap.RelayRegion> out = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> codes = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < regions.size(); i++) {
            String p = "regions[" + i + "]";
            JsonNode r = regions.get(i);
            if (!r.isObject()) {
                throw bad(source, p, "must be an object");
            }
            unknown(source, p + ".", r, REGION_FIELDS);
            int id = integer(source, p + ".id", r.get("id"), true);
            if (id <= 0) {
                throw bad(source, p + ".id", "must be a positive integer, got " + id);
            }
            if (!ids.add(id)) {
                throw bad(source, p + ".id", "region id " + id + " is used twice");
            }
            String code = text(source, p + ".code", r.get("code"), true);
            if (!CODE.matcher(code).matches()) {
                throw bad(source, p + ".code", "'" + code
                        + "' must be 1..32 lowercase letters, digits or '-', starting with a letter or digit");
            }
            if (!codes.add(code)) {
                throw bad(source, p + ".code", "region code '" + code + "' is used twice");
            }
            String name = text(source, p + ".name", r.get("name"), false);
            JsonNode nodes = r.get("nodes");
            if (nodes == null || !nodes.isArray() || nodes.isEmpty()) {
                throw bad(source, p + ".nodes", "required: an array of at least one relay node");
            }
            List<RelayMap.RelayNode> rn = new ArrayList<>();
            for (int j = 0; j < nodes.size(); j++) {
                rn.add(node(source, p + ".nodes[" + j + "]", nodes.get(j), names));
            }
            out.add(new RelayMap.RelayRegion(id, code, name, rn));
        }
        return new RelayMap(out);
    }

    private static RelayMap.RelayNode node(String source, String p, JsonNode n, Set<String> names) {
        if (!n.isObject()) {
            throw bad(source, p, "must be an object");
        }
        unknown(source, p + ".", n, NODE_FIELDS);
        String name = text(source, p + ".name", n.get("name"), true);
        if (!names.add(name)) {
            throw bad(source, p + ".name", "relay name '" + name + "' is used twice");
        }
        String host = text(source, p + ".host", n.get("host"), true);
        if (host.length() > 253 || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c >= 0x7f)) {
            throw bad(source, p + ".host", "'" + host + "' is not a host name or address");
        }
        String ipv4 = text(source, p + ".ipv4", n.get("ipv4"), false);
        if (ipv4 != null) {
            byte[] a = IpAddresses.tryParse(ipv4);
            if (a == null || a.length != 4) {
                throw bad(source, p + ".ipv4", "'" + ipv4 + "' is not an IPv4 address");
            }
        }
        String ipv6 = text(source, p + ".ipv6", n.get("ipv6"), false);
        if (ipv6 != null) {
            byte[] a = IpAddresses.tryParse(ipv6);
            if (a == null || a.length != 16) {
                throw bad(source, p + ".ipv6", "'" + ipv6 + "' is not an IPv6 address");
            }
        }
        int port = integer(source, p + ".port", n.get("port"), true);
        if (port < 1 || port > 65535) {
            throw bad(source, p + ".port", "must be 1..65535");
        }
        int stun = integer(source, p + ".stunPort", n.get("stunPort"), false);
        if (stun < 0 || stun > 65535) {
            throw bad(source, p + ".stunPort", "must be 0 (no STUN) or 1..65535");
        }
        JsonNode tls = n.get("tls");
        if (tls != null && !tls.isNull() && !tls.isBoolean()) {
            throw bad(source, p + ".tls", "must be true or false");
        }
        return new RelayMap.RelayNode(name, host, ipv4, ipv6, port, stun, tls != null && tls.asBoolean());
    }

    private static void unknown(String source, String prefix, JsonNode o, Set<String> known) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw bad(source, prefix + f, "unknown field (known: " + known.stream().sorted().toList() + ")");
            }
        }
    }

    private static int integer(String source, String path, JsonNode v, boolean required) {
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(source, path, "required");
            }
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw bad(source, path, "must be an integer");
        }
        return v.intValue();
    }

    private static String text(String source, String path, JsonNode v, boolean required) {
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(source, path, "required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw bad(source, path, "must be a string");
        }
        String s = v.asText();
        if (required && s.isBlank()) {
            throw bad(source, path, "must not be empty");
        }
        return s;
    }

    private static IllegalArgumentException bad(String source, String path, String problem) {
        return new IllegalArgumentException(source + ": " + path + ": " + problem);
    }
}
