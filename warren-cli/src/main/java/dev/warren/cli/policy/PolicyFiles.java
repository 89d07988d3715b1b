package dev.warren.cli.policy;

import dev.warren.policy.Policy;
import dev.warren.policy.PolicyError;
import dev.warren.policy.PolicyException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and parses a policy file for the {@code policy} commands, printing every problem to stderr. */
final class PolicyFiles {
    private PolicyFiles() {
    }

    /** The parsed policy, or null after printing why it could not be read or parsed. */
    static Policy load(Path file, PrintWriter err) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            err.println(file + ": not UTF-8 text");
            return null;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return null;
        }
        try {
            return Policy.parse(file.toString(), text);
        } catch (PolicyException e) {
            for (PolicyError error : e.errors()) {
                err.println(error.format());
            }
            err.println(file + ": " + e.errors().size() + (e.errors().size() == 1 ? " error" : " errors")
                    + "; the policy is rejected");
            return null;
        }
    }
}
