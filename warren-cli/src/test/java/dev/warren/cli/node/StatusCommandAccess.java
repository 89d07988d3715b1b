package dev.warren.cli.node;

import dev.warren.node.PingResult;
import dev.warren.node.Status;

import java.time.Instant;

/** Lets tests outside this package render status tables and ping lines exactly as the commands print them. */
public final class StatusCommandAccess {
    private StatusCommandAccess() {
    }

    public static String format(Status s) {
        return StatusCommand.format(s, Instant.now());
    }

    public static String pingLine(PingResult r) {
        return PingCommand.line(r);
    }
}
