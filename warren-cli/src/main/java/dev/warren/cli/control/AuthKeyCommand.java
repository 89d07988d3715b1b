package dev.warren.cli.control;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code warren control authkey create}. */
@Command(name = "authkey", description = "Create pre-auth keys.", subcommands = AuthKeyCommand.Create.class)
final class AuthKeyCommand {

    @Command(name = "create", description = "Create a pre-auth key and print it (only the key, on stdout).")
    static final class Create extends AdminCall {
        @Option(names = "--domain", required = true, paramLabel = "NAME", description = "The domain nodes join.")
        String domain;

        @Option(names = "--reusable", description = "Usable by any number of machines.")
        boolean reusable;

        @Option(names = "--ephemeral", description = "Nodes are deleted after being offline for a while.")
        boolean ephemeral;

        @Option(names = "--preapproved", description = "Nodes need no approval.")
        boolean preapproved;

        @Option(names = "--tags", split = ",", paramLabel = "TAG", description = "Tags granted to the nodes, like tag:web (comma-separated).")
        List<String> tags;

        @Option(names = "--expiry", paramLabel = "DURATION", description = "Key lifetime: 30m, 1h, 90d, PT1H"
                + " (default 90d).")
        String expiry;

        @Option(names = "--user", paramLabel = "LOGIN", description = "Owning user (default admin@DOMAIN).")
        String user;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("reusable", reusable);
            body.put("ephemeral", ephemeral);
            body.put("preapproved", preapproved);
            body.put("tags", tags == null ? List.of() : tags);
            if (expiry != null) {
                body.put("expiry", expiry);
            }
            if (user != null) {
                body.put("user", user);
            }
            System.out.println(c.post("/api/v1/domains/" + encode(domain) + "/authkeys", body).get("key").asText());
        }
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
