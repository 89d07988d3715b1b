package dev.warren.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Base of the admin commands: locate the server, run, print one error line and exit 1 on failure. */
abstract class AdminCall implements Callable<Integer> {
    @Mixin
    AdminOptions admin;


    abstract void run(AdminClient client) throws AdminClient.ApiException;

    @Override
    public Integer call() {
        try {
            run(admin.client());
            return 0;
        } catch (AdminClient.ApiException e) {
            System.err.println("warren control: " + e.getMessage());
            return 1;
        }
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "-" : v.asText();
    }
}
