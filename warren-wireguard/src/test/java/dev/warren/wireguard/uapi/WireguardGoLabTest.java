package dev.warren.wireguard.uapi;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential test against the installed wireguard-go (0.0.20220316), run inside a network namespace this
 * test creates ({@code wuapi-XXXXXX}) and deletes afterwards. Its UAPI socket appears in the shared
 * {@code /var/run/wireguard}. The same requests go to wireguard-go and to {@link UapiServer} with the model
 * device; the answers must agree.
 */
@Tag("lab")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireguardGoLabTest {
    private String namespace;
    private String goName;
    private Process wireguardGo;
    private Path goSocket;
    private String ourName;
    private UapiServer ours;
    private InMemoryUapiDevice device;

    @BeforeAll
    void start() throws Exception {
        Lab.assume("wireguard-go", "ip");
        namespace = Lab.uniqueName("wuapi-");
        goName = Lab.uniqueName("wgo");
        goSocket = Lab.RUN_DIR.resolve(goName + ".sock");
        Lab.run("ip", "netns", "add", namespace).ok();
        wireguardGo = new ProcessBuilder("ip", "netns", "exec", namespace, "wireguard-go", "-f", goName)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Lab.awaitFile(goSocket);
        ourName = Lab.uniqueName("wuapi");
        device = new InMemoryUapiDevice();
        ours = UapiServer.start(Lab.RUN_DIR.resolve(ourName + ".sock"), device);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (ours != null) {
                ours.close();
            }
            if (wireguardGo != null) {
                wireguardGo.destroy();
                if (!wireguardGo.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    wireguardGo.destroyForcibly();
                }
            }
        } finally {
            if (goSocket != null) {
                Files.deleteIfExists(goSocket);
            }
            if (namespace != null) {
                Lab.run("ip", "netns", "del", namespace);
            }
        }
    }

    /** The same configuration gives the same get response, byte for byte up to peer order. */
    @Test
    void getResponsesAgree() throws Exception {
        String request = Fixtures.read("get/wireguard-go.request");
        assertEquals("errno=0\n\n", exchange(goSocket, request));
        assertEquals("errno=0\n\n", exchange(ours.socketPath(), request));
        String theirs = exchange(goSocket, UapiWriter.GET_REQUEST);
        String mine = exchange(ours.socketPath(), UapiWriter.GET_REQUEST);
        if (Fixtures.UPDATE || !Fixtures.exists("get/wireguard-go.response")) {
            Fixtures.writeSource("get/wireguard-go.response", theirs);
        }
        assertEquals(UapiGoldenTest.Blocks.of(theirs), UapiGoldenTest.Blocks.of(mine));
    }

    /** Every invalid request gets the same errno from both (strict-* cases are where we deliberately differ). */
    @Test
    void errnosAgree() throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (String name : Fixtures.list("invalid", ".request")) {
            String request = Fixtures.read("invalid/" + name);
            String theirs = exchange(goSocket, request);
            String mine = exchange(ours.socketPath(), request);
            if (name.startsWith("strict-")) {
                System.out.printf("%s: wireguard-go %s, warren %s%n", name, show(theirs), show(mine));
            } else if (!theirs.equals(mine)) {
                mismatches.add(name + ": wireguard-go " + show(theirs) + ", warren " + show(mine));
            }
        }
        assertEquals(List.of(), mismatches);
    }

    /** The wg tool shows the same configuration for both after the same setconf. */
    @Test
    void wgShowconfAgrees() throws Exception {
        Path conf = Files.createTempFile("wuapi", ".conf");
        try {
            Files.writeString(conf, """
                    [Interface]
                    PrivateKey = kKmzH0dBfEtjOkn1lH3YkJj7G8BvxRk0MuBrSNfBbWw=
                    ListenPort = 41000
                    FwMark = 0x2a

                    [Peer]
                    PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
                    PresharedKey = pZgHiSxKSI3GW6EvEYuplCMC2wyoOp7ZpWQwoGNHcxE=
                    AllowedIPs = 10.10.0.0/16, fd10::/48, 10.10.5.5/32
                    Endpoint = 203.0.113.9:41001
                    PersistentKeepalive = 15

                    [Peer]
                    PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
                    AllowedIPs = 0.0.0.0/0
                    Endpoint = [2001:db8:1::1]:41002
                    """);
            Lab.run("wg", "setconf", goName, conf.toString()).ok();
            Lab.run("wg", "setconf", ourName, conf.toString()).ok();
            assertEquals(sections(Lab.run("wg", "showconf", goName).ok().out()),
                    sections(Lab.run("wg", "showconf", ourName).ok().out()));
        } finally {
            Files.deleteIfExists(conf);
        }
    }

    /** Sends raw text on a fresh connection, half-closes, and returns everything the server answered. */
    private static String exchange(Path socket, String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            c.shutdownOutput();
            return new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String show(String response) {
        return response.isEmpty() ? "(closed without answer)" : response.strip();
    }

    /** A showconf output as a sorted list of its sections (peer order is Go map order). */
    private static List<String> sections(String conf) {
        List<String> parts = new ArrayList<>(List.of(conf.split("\n\n")));
        parts.replaceAll(String::strip);
        parts.sort(null);
        return parts;
    }
}
