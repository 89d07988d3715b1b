package dev.warren.magicsock.netcheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.List;
import java.util.Locale;

/**
 * One netcheck report.
 *
 * @param udp                    any STUN round trip succeeded
 * @param ipv4                   an IPv4 STUN server answered
 * @param ipv6                   an IPv6 STUN server answered
 * @param globalV4               our IPv4 address:port as the fastest IPv4 STUN server saw it, or null
 * @param globalV6               the same for IPv6 ({@code [addr]:port}), or null
 * @param mappingVariesByDestIP  true when two IPv4 STUN servers saw different mappings (hard NAT); null when fewer
 *                               than two answered
 * @param upnp                   a UPnP IGD answered on the LAN
 * @param pmp                    a NAT-PMP gateway answered
 * @param pcp                    a PCP gateway answered
 * @param regions                latency per relay region (STUN, or over the relay link when UDP is blocked)
 * @param preferredRegion        the home region chosen (with hysteresis), 0 when none is reachable
 */
public record NetcheckReport(boolean udp, boolean ipv4, boolean ipv6, String globalV4, String globalV6,
                             Boolean mappingVariesByDestIP, boolean upnp, boolean pmp, boolean pcp,
                             List<RegionLatency> regions, int preferredRegion) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public NetcheckReport {
        regions = List.copyOf(regions);
    }

    /**
     * One region's measurement.
     *
     * @param id         region id
     * @param code       short code
     * @param latencyMs  best round trip in milliseconds, or null when unreachable
     * @param via        "stun" or "relay" (how it was measured), null when unreachable
     */
    public record RegionLatency(int id, String code, Double latencyMs, String via) {
    }

    /** The report as JSON (pretty-printed). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("netcheck report not serialisable", e);
        }
    }

    /** The report for people, in the style of {@code tailscale netcheck}. */
    public String toText() {
        StringBuilder s = new StringBuilder("Report:\n");
        s.append("\t* UDP: ").append(udp).append('\n');
        s.append("\t* IPv4: ").append(ipv4 ? "yes, " + globalV4 : "(no addr found)").append('\n');
        s.append("\t* IPv6: ").append(ipv6 ? "yes, " + globalV6 : "no").append('\n');
        s.append("\t* MappingVariesByDestIP: ").append(mappingVariesByDestIP == null ? "" : mappingVariesByDestIP)
                .append('\n');
        List<String> pm = new java.util.ArrayList<>();
        if (upnp) {
            pm.add("UPnP");
        }
        if (pmp) {
            pm.add("NAT-PMP");
        }
        if (pcp) {
            pm.add("PCP");
        }
        s.append("\t* PortMapping: ").append(String.join(", ", pm)).append('\n');
        String home = "";
        for (RegionLatency r : regions) {
            if (r.id() == preferredRegion) {
                home = r.code();
            }
        }
        s.append("\t* Nearest relay: ").append(preferredRegion == 0 ? "(none)" : home).append('\n');
        s.append("\t* Relay latency:\n");
        regions.stream()
                .sorted(java.util.Comparator.comparing((RegionLatency r) -> r.latencyMs() == null
                        ? Double.MAX_VALUE : r.latencyMs()))
                .forEach(r -> s.append("\t\t- ").append(r.code()).append(": ")
                        .append(r.latencyMs() == null ? "unreachable"
                                : String.format(Locale.ROOT, "%.1fms", r.latencyMs()) + " (" + r.via() + ")")
                        .append('\n'));
        return s.toString();
    }
}
