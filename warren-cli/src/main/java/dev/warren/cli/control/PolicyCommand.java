package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code warren control policy get|set --domain NAME [FILE]}: a domain's access policy on the server. {@code set}
 * prints each error the server found as {@code file:line:column: message (hint)} and exits 1; the old policy stays.
 */
@Command(name = "policy", description = "Show or replace a domain's access policy (HuJSON, see docs/policy.md).",
        subcommands = {PolicyCommand.Get.class, PolicyCommand.Set.class})
final class PolicyCommand {
    private PolicyCommand() {
    }

    static String path(String domain) {
        return "/api/v1/domains/" + URLEncoder.encode(domain, StandardCharsets.UTF_8) + "/policy";
    }

    @Command(name = "get", description = "Print the domain's policy file exactly as it was set.")
    static final class Get extends AdminCall {
        @Option(names = "--domain", required = true, paramLabel = "NAME", description = "The domain.")
        String domain;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            String text = c.getText(path(domain));
            System.out.print(text.endsWith("\n") ? text : text + "\n");
        }
    }

    @Command(name = "set", description = "Replace the domain's policy with FILE's (or standard input's). It is"
            + " checked and its tests run first: on any error nothing changes, each error is printed as"
            + " FILE:LINE:COLUMN: message (hint) and the exit status is 1. Nodes receive their new peers and"
            + " filters as map deltas at once.")
    static final class Set extends AdminCall {
        @Option(names = "--domain", required = true, paramLabel = "NAME", description = "The domain.")
        String domain;

        @Parameters(paramLabel = "FILE", arity = "0..1", description = "The HuJSON policy file; '-' or none reads"
                + " standard input.")
        Path file;

        @Override
        void run(AdminClient c) throws AdminClient.ApiException {
            String name;
            String text;
            try {
                if (file == null || file.toString().equals("-")) {
                    name = "<stdin>";
                    text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                } else {
                    name = file.toString();
                    text = Files.readString(file, StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new AdminClient.ApiException("cannot read " + (file == null ? "standard input" : file) + ": "
                        + e.getMessage());
            }
            JsonNode r;
            try {
                r = c.putText(path(domain) + "?file=" + URLEncoder.encode(name, StandardCharsets.UTF_8), text);
            } catch (AdminClient.ApiException e) {
                if (printErrors(e.error, System.err)) {
                    throw new AdminClient.ApiException("the policy was rejected; the previous policy stays");
                }
                throw e;
            }
            System.out.printf("policy of domain %s set: %d nodes got a new packet filter, %d a new peer list"
                            + " (compiled in %.1f ms)%n", text(r, "domain"), r.path("filtersChanged").asInt(),
                    r.path("peersChanged").asInt(), r.path("compileMillis").asDouble());
        }
    }

    /**
     * Prints each positioned error of a server {@code error} object as {@code file:line:column: message (hint)};
     * returns whether there were any.
     */
    static boolean printErrors(JsonNode error, PrintStream out) {
        if (error == null || !error.path("errors").isArray() || error.path("errors").isEmpty()) {
            return false;
        }
        for (JsonNode e : error.path("errors")) {
            String hint = e.path("hint").isTextual() ? " (" + e.path("hint").asText() + ")" : "";
            out.println(e.path("file").asText("?") + ":" + e.path("line").asInt() + ":" + e.path("column").asInt()
                    + ": " + e.path("message").asText() + hint);
        }
        return true;
    }
}
