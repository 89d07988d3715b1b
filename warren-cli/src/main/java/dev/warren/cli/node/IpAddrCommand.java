package dev.warren.cli.node;

import dev.warren.node.PeerInfo;
import dev.warren.node.Status;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/** {@code warren ip}. */
@Command(name = "ip", mixinStandardHelpOptions = true,
        description = "Print this node's Warren addresses, or a peer's (by name or address).")
public final class IpAddrCommand extends ClientOptions {
    static final class Family {
        @Option(names = "-4", description = "Only the IPv4 address.")
        boolean v4;
        @Option(names = "-6", description = "Only the IPv6 address.")
        boolean v6;
    }

    @ArgGroup(exclusive = true)
    Family family = new Family();

    @Parameters(index = "0", arity = "0..1", paramLabel = "PEER", description = "A peer's name or address.")
    String peer;

    @Override
    int run() throws IOException {
        List<String> addrs;
        if (peer == null) {
            addrs = client().ip();
        } else {
            Status s = client().status();
            PeerInfo p = s.peers().stream().filter(x -> matches(x, peer)).findFirst()
                    .orElseThrow(() -> new IOException("no peer named or addressed \"" + peer + "\""));
            addrs = p.addresses();
        }
        boolean any = false;
        for (String a : addrs) {
            boolean six = a.contains(":");
            if ((family.v4 && six) || (family.v6 && !six)) {
                continue;
            }
            System.out.println(a);
            any = true;
        }
        if (!any) {
            System.err.println("warren: no " + (family.v4 ? "IPv4 " : family.v6 ? "IPv6 " : "") + "address yet");
            return 1;
        }
        return 0;
    }

    static boolean matches(PeerInfo p, String q) {
        String name = p.name() == null ? "" : p.name().toLowerCase(Locale.ROOT);
        String lq = q.toLowerCase(Locale.ROOT);
        int dot = name.indexOf('.');
        return name.equals(lq) || (dot > 0 && name.substring(0, dot).equals(lq)) || p.addresses().contains(q);
    }
}
