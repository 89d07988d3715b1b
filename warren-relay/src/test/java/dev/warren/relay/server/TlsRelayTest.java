package dev.warren.relay.server;

import dev.warren.relay.RelayTestKit;
import dev.warren.relay.RelayTestKit.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import static dev.warren.relay.RelayTestKit.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The relay over TLS with a certificate made by openssl for localhost, and the PEM loader's error messages. */
class TlsRelayTest {
    @TempDir
    Path dir;

    /** Makes cert.pem and key.pem (PKCS#8) for localhost/127.0.0.1 with openssl; skips when openssl is missing. */
    static void makeCertificate(Path dir, String keyAlg) throws Exception {
        boolean haveOpenssl;
        try {
            haveOpenssl = new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException e) {
            haveOpenssl = false;
        }
        assumeTrue(haveOpenssl, "openssl is not installed");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", keyAlg, "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }

    static SSLContext trusting(Path cert) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("relay", TlsFiles.readCertificates(cert).getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void clientsExchangePacketsOverTls() throws Exception {
        makeCertificate(dir, "rsa:2048");
        SSLContext server = TlsFiles.serverContext(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (RelayTestKit kit = new RelayTestKit()) {
            RelayServer s = kit.start(kit.config().withTls(server));
            SSLContext trust = trusting(dir.resolve("cert.pem"));
            Recorder a = kit.connect(kit.new Recorder(), RelayTestKit.node(s.address(), true), trust);
            Recorder b = kit.connect(kit.new Recorder(), RelayTestKit.node(s.address(), true), trust);
            byte[] p = bytes(1280, 1);
            a.client.send(b.pub, p, 0, p.length);
            assertArrayEquals(p, b.nextPacket().data());
            assertEquals(s.publicKey(), b.client.serverKey());
        }
    }

    @Test
    void pemProblemsNameTheFile() throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        Files.writeString(cert, "hello");
        IOException e = assertThrows(IOException.class, () -> TlsFiles.readCertificates(cert));
        assertEquals("TLS certificate " + cert + ": no '-----BEGIN CERTIFICATE-----' block", e.getMessage());
        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> TlsFiles.readPrivateKey(key));
        assertTrue(e.getMessage().startsWith("TLS key " + key + " is in the old 'RSA PRIVATE KEY' format"),
                e.getMessage());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"));
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> TlsFiles.readPrivateKey(key));
        assertEquals("TLS file " + key + ": the PRIVATE KEY block (line 1) is not valid base64", e.getMessage());
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> TlsFiles.readPrivateKey(key));
        assertEquals("TLS key " + key + ": not a PKCS#8 RSA, EC or Ed25519 private key", e.getMessage());
        e = assertThrows(IOException.class, () -> TlsFiles.readPrivateKey(dir.resolve("missing.pem")));
        assertTrue(e.getMessage().startsWith("cannot read TLS key " + dir.resolve("missing.pem")), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        makeCertificate(dir, "rsa:2048");
        Path other = Files.createDirectory(dir.resolve("other"));
        makeCertificate(other, "rsa:2048");
        IOException e = assertThrows(IOException.class,
                () -> TlsFiles.serverContext(dir.resolve("cert.pem"), other.resolve("key.pem")));
        assertTrue(e.getMessage().contains("does not go with certificate"), e.getMessage());
    }
}
