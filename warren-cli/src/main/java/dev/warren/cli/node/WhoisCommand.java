package dev.warren.cli.node;

import dev.warren.node.PeerInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.Optional;

/** {@code warren whois}. */
@Command(name = "whois", mixinStandardHelpOptions = true,
        description = "Show which node (and user) owns a Warren address.")
public final class WhoisCommand extends ClientOptions {
    @Parameters(index = "0", paramLabel = "ADDRESS", description = "A Warren IPv4 or IPv6 address.")
    String address;

    @Override
    int run() throws IOException {
        Optional<PeerInfo> p = client().whois(address);
        if (p.isEmpty()) {
            System.err.println("warren: no node has address " + address);
            return 1;
        }
        PeerInfo n = p.get();
        System.out.println("Machine:");
        System.out.println("  Name:      " + n.name());
        System.out.println("  ID:        " + n.id());
        System.out.println("  Addresses: " + String.join(", ", n.addresses()));
        System.out.println("  Node key:  " + n.nodeKey());
        System.out.println("  OS:        " + (n.os() == null ? "-" : n.os()));
        System.out.println("  Online:    " + (n.online() ? "yes" : "no"));
        if (!n.tags().isEmpty()) {
            System.out.println("  Tags:      " + String.join(", ", n.tags()));
        }
        System.out.println("User:");
        System.out.println("  Login:     " + (n.user() == null ? "-" : n.user()));
        return 0;
    }
}
