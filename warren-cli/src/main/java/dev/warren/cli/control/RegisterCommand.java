package dev.warren.cli.control;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code warren control register complete ID --domain NAME [--user LOGIN]}. */
@Command(name = "register", description = "Complete interactive logins.", subcommands = RegisterCommand.Complete.class)
final class RegisterCommand {

    @Command(name = "complete", description = "Complete the interactive login whose auth URL ends in ID.")
    static final class Complete extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The last path segment of the node's auth URL.")
        String id;

        @Option(names = "--domain", required = true, paramLabel = "NAME")
        String domain;

        @Option(names = "--user", paramLabel = "LOGIN", description = "Default admin@DOMAIN.")
        String user;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("domain", domain);
            if (user != null) {
                body.put("user", user);
            }
            c.post("/api/v1/register/" + AuthKeyCommand.encode(id) + "/complete", body);
            System.out.println("completed login " + id);
        }
    }
}
