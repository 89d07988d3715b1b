package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code warren control domain create|list}. */
@Command(name = "domain", description = "Create and list domains.",
        subcommands = {DomainCommand.Create.class, DomainCommand.ListDomains.class})
final class DomainCommand {

    @Command(name = "create", description = "Create a domain.")
    static final class Create extends AdminCall {
        @Parameters(paramLabel = "NAME", description = "Lowercase letters, digits, '-' and '.'.")
        String name;

        @Option(names = "--require-approval", description = "New nodes wait for approval unless their key is"
                + " preapproved.")
        boolean requireApproval;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("requireApproval", requireApproval);
            JsonNode d = c.post("/api/v1/domains", body);
            System.out.println("created domain " + d.get("name").asText()
                    + (d.get("requireApproval").asBoolean() ? " (approval required)" : ""));
        }
    }

    @Command(name = "list", description = "List domains.")
    static final class ListDomains extends AdminCall {
        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            System.out.printf("%-4s %-30s %s%n", "ID", "NAME", "APPROVAL");
            for (JsonNode d : c.get("/api/v1/domains").path("domains")) {
                System.out.printf("%-4s %-30s %s%n", d.get("id").asText(), d.get("name").asText(),
                        d.get("requireApproval").asBoolean() ? "required" : "-");
            }
        }
    }
}
