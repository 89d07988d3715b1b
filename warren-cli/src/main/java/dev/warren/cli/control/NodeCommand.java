package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code warren control node list|approve|rename|expire|delete|key-expiry}. */
@Command(name = "node", description = "List and manage nodes.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Approve.class, NodeCommand.Rename.class,
                NodeCommand.Expire.class, NodeCommand.Delete.class, NodeCommand.KeyExpiry.class})
final class NodeCommand {

    @Command(name = "list", description = "List nodes.")
    static final class ListNodes extends AdminCall {
        @Option(names = "--domain", paramLabel = "NAME", description = "Only this domain's nodes.")
        String domain;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            JsonNode nodes = c.get("/api/v1/nodes" + (domain == null ? "" : "?domain="
                    + AuthKeyCommand.encode(domain))).path("nodes");
            if (json) {
                try {
                    System.out.println(AdminClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(nodes));
                } catch (java.io.IOException e) {
                    throw new AdminClient.ApiException(e.getMessage());
                }
                return;
            }
            String fmt = "%-5s %-12s %-24s %-16s %-7s %s%n";
            System.out.printf(fmt, "ID", "DOMAIN", "NAME", "ADDRESS", "ONLINE", "STATUS");
            for (JsonNode n : nodes) {
                List<String> status = new ArrayList<>();
                if (!n.path("authorized").asBoolean()) {
                    status.add("awaiting-approval");
                }
                if (n.path("expired").asBoolean()) {
                    status.add("expired");
                }
                if (n.path("ephemeral").asBoolean()) {
                    status.add("ephemeral");
                }
                if (n.path("keyExpiryDisabled").asBoolean()) {
                    status.add("no-key-expiry");
                }
                String addr = n.path("addresses").path(0).asText("-").replace("/32", "");
                System.out.printf(fmt, n.get("id").asText(), text(n, "domain"), text(n, "name"), addr,
                        n.path("online").asBoolean() ? "yes" : "no", status.isEmpty() ? "-" : String.join(",", status));
            }
        }
    }

    @Command(name = "approve", description = "Authorize a node awaiting approval.")
    static final class Approve extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The node id (see node list).")
        long id;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            System.out.println("approved node " + id + " (" + c.post("/api/v1/nodes/" + id + "/approve", Map.of())
                    .get("name").asText() + ")");
        }
    }

    @Command(name = "rename", description = "Rename a node (DNS-safe name, unique in its domain).")
    static final class Rename extends AdminCall {
        @Parameters(index = "0", paramLabel = "ID", description = "The node id (see node list).")
        long id;

        @Parameters(index = "1", paramLabel = "NAME", description = "The new DNS-safe name.")
        String name;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            c.post("/api/v1/nodes/" + id + "/rename", Map.of("name", name));
            System.out.println("renamed node " + id + " to " + name);
        }
    }

    @Command(name = "expire", description = "Expire a node's key now; it must log in again.")
    static final class Expire extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The node id (see node list).")
        long id;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            c.post("/api/v1/nodes/" + id + "/expire", Map.of());
            System.out.println("expired the key of node " + id);
        }
    }

    @Command(name = "delete", description = "Delete a node.")
    static final class Delete extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The node id (see node list).")
        long id;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            c.delete("/api/v1/nodes/" + id);
            System.out.println("deleted node " + id);
        }
    }

    @Command(name = "key-expiry", description = "Disable or enable node key expiry.")
    static final class KeyExpiry extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The node id (see node list).")
        long id;

        static final class Choice {
            @Option(names = "--disable", required = true, description = "The node key never expires.")
            boolean disable;

            @Option(names = "--enable", required = true, description = "The key expires again (from now plus the"
                    + " default lifetime).")
            boolean enable;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Choice choice;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            c.post("/api/v1/nodes/" + id + "/key-expiry", Map.of("disabled", choice.disable));
            System.out.println((choice.disable ? "disabled" : "enabled") + " key expiry of node " + id);
        }
    }
}
