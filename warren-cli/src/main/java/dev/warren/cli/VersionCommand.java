package dev.warren.cli;

import picocli.CommandLine.Command;

/** {@code warren version}. */
@Command(name = "version", description = "Print Warren's version.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        System.out.println(new Version().getVersion()[0]);
    }
}
