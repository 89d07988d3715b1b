package dev.warren.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy commands sit where the README says: local check/test and trace under {@code warren policy}. */
class CommandTreeTest {
    @Test
    void policyCommandsAreWhereTheReadmeSays() {
        CommandLine root = Main.commandLine();
        CommandLine policy = root.getSubcommands().get("policy");
        assertEquals(Set.of("check", "test", "trace"), policy.getSubcommands().keySet());
        assertTrue(policy.getSubcommands().get("trace").getCommandSpec().mixinStandardHelpOptions(), "trace -h");
        CommandLine control = root.getSubcommands().get("control").getSubcommands().get("policy");
        assertEquals(Set.of("get", "set"), control.getSubcommands().keySet());
    }
}
