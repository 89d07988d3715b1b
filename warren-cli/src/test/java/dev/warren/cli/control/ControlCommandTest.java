package dev.warren.cli.control;

import dev.warren.control.ControlServer;
import dev.warren.control.ControlServerConfig;
import dev.warren.wire.control.RelayMaps;
import dev.warren.wire.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin commands against a real control server on loopback, found through its state directory. */
class ControlCommandTest {
    @TempDir
    Path state;
    ControlServer server;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        server = ControlServer.start(ControlServerConfig.loopback(state, Clock.system()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new ControlCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void domainsKeysAndNodes() {
        String st = state.toString();
        Run r = run("domain", "create", "corp", "--require-approval", "--state", st);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("created domain corp"), r.out());
        assertTrue(run("domain", "list", "--state", st).out().contains("corp"));
        Run k = run("authkey", "create", "--domain", "corp", "--reusable", "--tags", "tag:a,tag:b", "--expiry", "1h",
                "--state", st);
        assertEquals(0, k.code(), k.err());
        assertTrue(k.out().strip().startsWith("wkey-"), k.out());
        assertEquals(1, k.out().strip().lines().count(), "only the key on stdout");
        Run list = run("node", "list", "--json", "--state", st);
        assertEquals(0, list.code(), list.err());
        assertEquals("[ ]", list.out().strip());
        assertEquals(0, run("node", "list", "--domain", "corp", "--state", st).code());
    }

    @Test
    void errorsAreOneLineAndNonZero() {
        String st = state.toString();
        Run r = run("authkey", "create", "--domain", "nope", "--state", st);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("domain 'nope' does not exist"), r.err());
        Run bad = run("node", "approve", "42", "--state", st);
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("node 42 does not exist"), bad.err());
        Run tok = run("domain", "list", "--server", server.url().toString(), "--token", "wrong");
        assertEquals(1, tok.code());
        assertTrue(tok.err().contains("Bearer"), tok.err());
        Run missing = run("domain", "list", "--state", state.resolve("nothing").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("control.json"), missing.err());
        assertEquals(2, run("node", "key-expiry", "1", "--state", st).code(), "needs --disable or --enable");
    }

    @Test
    void relayMapGetSetAndRelayToken() throws Exception {
        String st = state.toString();
        Path file = state.resolve("relays.json");
        Files.writeString(file, """
                {"regions": [{"id": 1, "code": "fra", "name": "Frankfurt",
                              "nodes": [{"name": "fra1", "host": "relay1.example.net", "port": 443,
                                         "stunPort": 3478, "tls": true},
                                        {"name": "fra2", "host": "relay2.example.net", "port": 443}]}]}""");
        Run set = run("relay-map", "set", file.toString(), "--state", st);
        assertEquals(0, set.code(), set.err());
        assertEquals("relay map set: 1 region, 2 relays", set.out().strip());
        Run get = run("relay-map", "get", "--state", st);
        assertEquals(0, get.code(), get.err());
        assertEquals(server.admin().relayMap(), RelayMaps.parse("out", get.out().getBytes(StandardCharsets.UTF_8)),
                "get prints what set reads");
        assertEquals("fra2", server.admin().relayMap().region(1).nodes().get(1).name());

        Files.writeString(file, Files.readString(file).replace("\"port\": 443}", "\"port\": 0}"));
        Run bad = run("relay-map", "set", file.toString(), "--state", st);
        assertEquals(1, bad.code());
        assertEquals("warren control: " + file + ": regions[0].nodes[1].port: must be 1..65535", bad.err().strip());
        assertEquals(443, server.admin().relayMap().region(1).nodes().get(1).port(), "unchanged");

        Run tok = run("relay-token", "--state", st);
        assertEquals(0, tok.code(), tok.err());
        assertEquals(server.relayToken(), tok.out().strip());
    }

    Run trace(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new PolicyTraceCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void policyGetSetAndTrace() throws Exception {
        String st = state.toString();
        assertEquals(0, run("domain", "create", "corp", "--state", st).code());
        Run get = run("policy", "get", "--domain", "corp", "--state", st);
        assertEquals(0, get.code(), get.err());
        assertEquals(dev.warren.policy.Policy.ALLOW_ALL_TEXT, get.out());

        Path file = state.resolve("corp.hujson");
        Files.writeString(file, "{\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"group:eng\"],"
                + " \"dst\": [\"*:22\"]},\n  ],\n}\n");
        Run bad = run("policy", "set", "--domain", "corp", file.toString(), "--state", st);
        assertEquals(1, bad.code());
        String first = bad.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith(file + ":3:"), "file:line:column first: " + bad.err());
        assertTrue(first.contains("group:eng"), bad.err());
        assertTrue(bad.err().contains("the previous policy stays"), bad.err());
        assertEquals(dev.warren.policy.Policy.ALLOW_ALL_TEXT,
                run("policy", "get", "--domain", "corp", "--state", st).out(), "unchanged");

        String good = "// ssh for the admin only\n{\"acls\": [{\"action\": \"accept\", \"src\": [\"admin@corp\"],"
                + " \"dst\": [\"admin@corp:22\"]}]}\n";
        Files.writeString(file, good);
        Run set = run("policy", "set", "--domain", "corp", file.toString(), "--state", st);
        assertEquals(0, set.code(), set.err());
        assertTrue(set.out().contains("policy of domain corp set"), set.out());
        assertEquals(good, run("policy", "get", "--domain", "corp", "--state", st).out());

        server.admin().createAuthKey(new dev.warren.control.AuthKeySpec("corp", true, false, true,
                java.util.List.of(), null, null));
        Run unknown = trace("--domain", "corp", "nobody", "web:22", "--state", st);
        assertEquals(2, unknown.code(), unknown.out());
        assertTrue(unknown.err().contains("unknown") && unknown.err().contains("web"), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), "one line per error: " + unknown.err());
        assertEquals(2, trace("--domain", "corp", "a", "web", "--state", st).code(), "DST without a port");
        assertEquals(2, trace("--domain", "corp", "a", "fd7a::1:22", "--state", st).code(), "v6 without brackets");
    }

    @Test
    void traceTargets() {
        assertEquals(new PolicyTraceCommand.Target("web", 443), PolicyTraceCommand.Target.parse("web:443"));
        assertEquals(new PolicyTraceCommand.Target("fd7a::1", 22), PolicyTraceCommand.Target.parse("[fd7a::1]:22"));
        assertEquals(new PolicyTraceCommand.Target("100.64.0.1", 0), PolicyTraceCommand.Target.parse("100.64.0.1:0"));
        for (String bad : new String[]{"web", ":22", "web:", "web:x", "web:70000", "fd7a::1:22"}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PolicyTraceCommand.Target.parse(bad), bad);
        }
    }

    @Test
    void listenParsing() {
        assertEquals(java.net.InetSocketAddress.createUnresolved("::", 8080),
                dev.warren.cli.HostPorts.parse("--listen", "[::]:8080", "0.0.0.0:8080"));
        assertEquals(java.net.InetSocketAddress.createUnresolved("0.0.0.0", 0),
                dev.warren.cli.HostPorts.parse("--listen", "0.0.0.0:0", "0.0.0.0:8080"));
    }
}
