package dev.warren.cli.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warren.magicsock.netcheck.NetcheckReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * {@code warren netcheck [--json]}: asks the node daemon to run a netcheck over its magicsock socket (STUN to every
 * relay region, port-mapping probes, relay latencies) and prints the report — in the style of
 * {@code tailscale netcheck}, or as the JSON the daemon returned.
 */
@Command(name = "netcheck", mixinStandardHelpOptions = true,
        description = {"Report this host's connectivity as the node daemon sees it: UDP works?, IPv4/IPv6 "
                + "(public address:port), whether the NAT mapping varies by destination (hard NAT), port-mapping "
                + "protocols found (UPnP, NAT-PMP, PCP), latency per relay region and the preferred (home) region.",
                "Needs a running `warren node` with magicsock (the default)."})
public final class NetcheckCommand extends ClientOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: ${DEFAULT-VALUE}).")
    String timeout = "10s";

    @Override
    int run() throws IOException {
        JsonNode r = client().netcheck(duration(timeout));
        if (json) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        } else {
            System.out.print(JSON.treeToValue(r, NetcheckReport.class).toText());
        }
        return 0;
    }
}
