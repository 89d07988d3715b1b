package dev.warren.control;

import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A control server on fake time (SQLite in a temp dir, loopback HTTP) plus simulated nodes. */
final class Fixture implements AutoCloseable {
    final FakeClock clock = new FakeClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final ControlServer server;
    final ControlAdmin admin;
    private final List<SimNode> nodes = new ArrayList<>();

    Fixture(Path dir) throws IOException {
        this(dir, ControlOptions.defaults().withBatchInterval(Duration.ofMillis(5)));
    }

    Fixture(Path dir, ControlOptions options) throws IOException {
        server = ControlServer.startForTest(dir, clock, options.withScheduler(scheduler));
        admin = server.admin();
    }

    SimNode node(String hostname) {
        SimNode n = new SimNode(server, hostname);
        nodes.add(n);
        return n;
    }

    /** Registers with a fresh reusable preapproved key of {@code domain} and opens a stream. */
    SimNode online(String domain, String hostname) throws Exception {
        SimNode n = node(hostname);
        n.register(key(domain));
        n.stream(false, List.of("192.0.2.1:41641"));
        n.await("first map", x -> x.self() != null);
        return n;
    }

    /** Registers with a fresh key of {@code domain} for {@code user} (null: the domain's admin) and {@code tags}. */
    SimNode online(String domain, String hostname, String user, List<String> tags) throws Exception {
        SimNode n = node(hostname);
        n.register(admin.createAuthKey(new AuthKeySpec(domain, true, false, true, tags, null, user)));
        n.stream(false, List.of("192.0.2.1:41641"));
        n.await("first map", x -> x.self() != null);
        return n;
    }

    String key(String domain) {
        return admin.createAuthKey(new AuthKeySpec(domain, true, false, true, List.of(), null, null));
    }

    void advance(Duration d) {
        scheduler.advance(d);
    }

    @Override
    public void close() {
        nodes.forEach(SimNode::close);
        server.close();
    }
}
