package dev.warren.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one {@code warren} command. This module is the only place that wires subsystems together: the WireGuard
 * engine, Linux TUN and UDP, the UAPI server. Each subcommand is its own class.
 */
@Command(name = "warren",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Warren: a mesh VPN that speaks WireGuard.",
        subcommands = {WgCommand.class, DemoCommand.class, VersionCommand.class, SelfTestCommand.class,
                dev.warren.cli.node.NodeCommand.class, dev.warren.cli.node.UpCommand.class,
                dev.warren.cli.node.DownCommand.class, dev.warren.cli.node.LogoutCommand.class,
                dev.warren.cli.node.StatusCommand.class, dev.warren.cli.node.IpAddrCommand.class,
                dev.warren.cli.node.PingCommand.class, dev.warren.cli.node.WhoisCommand.class,
                dev.warren.cli.node.NetcheckCommand.class, dev.warren.cli.node.FilterCommand.class,
                dev.warren.cli.control.ControlCommand.class,
                dev.warren.cli.relay.RelayCommand.class,
                dev.warren.cli.policy.PolicyCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'warren help COMMAND' for a command's options. Documentation: README.md and docs/."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        StartupTrace.mark("main");
        // `warren wg` is started by wg-quick and scripts and must come up fast; picocli's classes target Java 5
        // and cannot be put in the JDK's AOT cache, so that one command takes a direct path when its arguments
        // are plain (help and anything unusual still go through picocli). The launcher normally runs it from
        // the slim jar (WgMain); this is the same path for when that jar is missing.
        if (args.length > 0 && args[0].equals("wg")) {
            Integer code = WgMain.runDirect(args);
            if (code != null) {
                System.exit(code);
            }
        }
        Logging.configure();
        StartupTrace.mark("arguments parsed");
        System.exit(commandLine().execute(args));
    }

    /** The whole command tree; every command and subcommand answers {@code -h/--help} and {@code -V/--version}. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        addPolicyTrace(cl);
        addHelp(cl);
        return cl;
    }

    /**
     * {@code warren policy trace} asks the control server (like the {@code warren control} commands, whose server
     * flags it shares), so it lives in the control package; it joins the {@code warren policy} group here.
     */
    private static void addPolicyTrace(CommandLine cl) {
        cl.getSubcommands().get("policy").addSubcommand("trace",
                new CommandLine(new dev.warren.cli.control.PolicyTraceCommand()));
    }

    private static void addHelp(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (!spec.mixinStandardHelpOptions() && !(cl.getCommand() instanceof CommandLine.HelpCommand)) {
            spec.mixinStandardHelpOptions(true);
        }
        if (spec.version().length == 0 && spec.versionProvider() == null) {
            spec.versionProvider(new Version());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            addHelp(sub);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
