package dev.warren.relay.server;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Loads a relay's TLS identity from PEM files as certbot and openssl write them: a certificate chain (leaf first,
 * {@code -----BEGIN CERTIFICATE-----} blocks) and an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE
 * KEY-----}; RSA, EC or Ed25519). Every problem is reported with the file and what is wrong — including the
 * common one of a PKCS#1 {@code BEGIN RSA PRIVATE KEY} or SEC1 {@code BEGIN EC PRIVATE KEY} file, with the
 * {@code openssl pkcs8} command that converts it — and nothing is half-loaded.
 */
public final class TlsFiles {
    private TlsFiles() {
    }

    /** A server SSLContext (TLS 1.3 and 1.2) for the chain in {@code certFile} and the key in {@code keyFile}. */
    public static SSLContext serverContext(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = readCertificates(certFile);
        PrivateKey key = readPrivateKey(keyFile);
        if (!matches(key, chain.getFirst())) {
            throw new IOException("TLS key " + keyFile + " does not go with certificate " + certFile
                    + ": the certificate's public key is not the key's");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("relay", key, pw, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key " + keyFile + " does not go with certificate " + certFile + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether {@code key} is the private half of {@code cert}'s key: a test signature must verify. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (alg == null) {
            return true; // no generic check; the TLS handshake will fail loudly instead
        }
        try {
            byte[] msg = "warren relay key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(msg);
            byte[] sig = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(alg);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(msg);
            return verifier.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The certificates in a PEM file, in order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        String text = read(file, "certificate");
        List<byte[]> blocks = blocks(file, text, "CERTIFICATE");
        if (blocks.isEmpty()) {
            throw new IOException("TLS certificate " + file + ": no '-----BEGIN CERTIFICATE-----' block");
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            int i = 0;
            for (byte[] der : blocks) {
                i++;
                try {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                } catch (CertificateException e) {
                    throw new IOException("TLS certificate " + file + ": certificate " + i
                            + " is not a valid X.509 certificate: " + e.getMessage());
                }
            }
        } catch (CertificateException e) {
            throw new IOException("no X.509 support in this JDK", e);
        }
        return out;
    }

    /** The PKCS#8 private key in a PEM file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = read(file, "key");
        for (String other : new String[]{"RSA PRIVATE KEY", "EC PRIVATE KEY"}) {
            if (text.contains("-----BEGIN " + other + "-----")) {
                throw new IOException("TLS key " + file + " is in the old '" + other + "' format; convert it to"
                        + " PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
            }
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new IOException("TLS key " + file + " is encrypted; the relay needs an unencrypted PKCS#8 key"
                    + " (openssl pkcs8 -topk8 -nocrypt)");
        }
        List<byte[]> blocks = blocks(file, text, "PRIVATE KEY");
        if (blocks.size() != 1) {
            throw new IOException("TLS key " + file + ": expected one '-----BEGIN PRIVATE KEY-----' block, found "
                    + blocks.size());
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(blocks.getFirst());
        for (String alg : new String[]{"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException("TLS key " + file + ": not a PKCS#8 RSA, EC or Ed25519 private key");
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("TLS " + what + " " + file + " is not a PEM text file");
        } catch (IOException e) {
            throw new IOException("cannot read TLS " + what + " " + file + ": " + e.getMessage());
        }
    }

    private static List<byte[]> blocks(Path file, String text, String label) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int b = text.indexOf(begin, from);
            if (b < 0) {
                return out;
            }
            int e = text.indexOf(end, b);
            if (e < 0) {
                throw new IOException("TLS file " + file + ": '" + begin + "' without '" + end + "'");
            }
            String body = text.substring(b + begin.length(), e).replaceAll("\\s", "");
            try {
                out.add(Base64.getDecoder().decode(body));
            } catch (IllegalArgumentException ex) {
                throw new IOException("TLS file " + file + ": the " + label + " block (line "
                        + (text.substring(0, b).lines().count() + 1) + ") is not valid base64");
            }
            from = e + end.length();
        }
    }
}
