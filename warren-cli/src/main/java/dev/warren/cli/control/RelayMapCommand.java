package dev.warren.cli.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RelayMaps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code warren control relay-map get|set FILE}: the relay map the server hands to every node. */
@Command(name = "relay-map", description = "Show or replace the relay map (regions of relays) sent to every node.",
        subcommands = {RelayMapCommand.Get.class, RelayMapCommand.Set.class})
final class RelayMapCommand {

    @Command(name = "get", description = "Print the relay map as JSON (the format 'set' and --relay-map read).")
    static final class Get extends AdminCall {
        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            JsonNode m = c.get("/api/v1/relay-map");
            try {
                System.out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
            } catch (JsonProcessingException e) {
                throw new AdminClient.ApiException("cannot print the relay map: " + e.getMessage());
            }
        }
    }

    @Command(name = "set", description = "Replace the relay map with FILE's; every node receives it at once.")
    static final class Set extends AdminCall {
        @Parameters(paramLabel = "FILE", description = "Relay map JSON: {\"regions\":[{\"id\":1,\"code\":\"fra\","
                + "\"nodes\":[{\"name\":\"fra1\",\"host\":\"relay.example.net\",\"port\":443,\"stunPort\":3478,"
                + "\"tls\":true}]}]}")
        Path file;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            RelayMap m;
            try {
                m = RelayMaps.parse(file.toString(), Files.readAllBytes(file));
            } catch (IOException e) {
                throw new AdminClient.ApiException("cannot read " + file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new AdminClient.ApiException(e.getMessage());
            }
            JsonNode r = c.put("/api/v1/relay-map", m);
            int regions = r.path("regions").size();
            int relays = 0;
            for (JsonNode region : r.path("regions")) {
                relays += region.path("nodes").size();
            }
            System.out.println("relay map set: " + regions + (regions == 1 ? " region, " : " regions, ") + relays
                    + (relays == 1 ? " relay" : " relays"));
        }
    }
}
