package dev.warren.cli;

import picocli.CommandLine;

/** Version strings for {@code warren --version} and {@code warren version}. */
final class Version implements CommandLine.IVersionProvider {
    static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"warren " + VERSION + " (Java " + Runtime.version() + ")"};
    }
}
