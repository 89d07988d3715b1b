package dev.warren.relay.client;

import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * How a {@link RelayClient} reaches one relay.
 *
 * @param node       the relay: dialled at {@code ipv4}, then {@code ipv6} when set, else {@code host} resolved;
 *                   TLS when {@code node.tls()}, verifying the certificate for {@code host}
 * @param privateKey the node key's private half (the relay addresses this client by its public half)
 * @param meshKey    the region's 32-byte mesh key when this client is itself a relay meshing with {@code node};
 *                   null for ordinary clients. A mesh client also watches the relay's connection list.
 * @param tls        TLS context for a TLS node, null = the JDK's default (system trust store)
 * @param clock      time
 * @param scheduler  timers (reconnect back-off)
 */
public record RelayClientConfig(RelayMap.RelayNode node, PrivateKey privateKey, byte[] meshKey, SSLContext tls,
                                Clock clock, Scheduler scheduler) {
    public RelayClientConfig {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        if (meshKey != null && meshKey.length != 32) {
            throw new IllegalArgumentException("mesh key must be 32 bytes, got " + meshKey.length);
        }
        if (node.port() < 1 || node.port() > 65535) {
            throw new IllegalArgumentException("relay " + node.name() + ": port " + node.port()
                    + " is outside 1..65535");
        }
        if (node.host() == null && node.ipv4() == null && node.ipv6() == null) {
            throw new IllegalArgumentException("relay " + node.name() + " has no host, ipv4 or ipv6");
        }
        literal(node, node.ipv4(), java.net.Inet4Address.class, "ipv4");
        literal(node, node.ipv6(), java.net.Inet6Address.class, "ipv6");
    }

    private static void literal(RelayMap.RelayNode node, String ip, Class<?> family, String field) {
        if (ip == null || ip.isBlank()) {
            return;
        }
        try {
            if (!family.isInstance(java.net.InetAddress.ofLiteral(ip))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("relay " + node.name() + ": " + field + " '" + ip + "' is not an "
                    + (field.equals("ipv4") ? "IPv4" : "IPv6") + " address");
        }
    }
}
