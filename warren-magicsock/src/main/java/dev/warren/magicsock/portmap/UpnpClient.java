package dev.warren.magicsock.portmap;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * UPnP Internet Gateway Device client: SSDP discovery, device description, and the WANIPConnection (or
 * WANPPPConnection) service's AddPortMapping / GetExternalIPAddress / DeletePortMapping over SOAP.
 *
 * <p>Discovery sends an SSDP {@code M-SEARCH} for {@code urn:schemas-upnp-org:device:InternetGatewayDevice:1} to
 * {@code ssdp} (239.255.255.250:1900 on a LAN; injectable for tests) and takes the first answer's {@code LOCATION}
 * header. The description is parsed with DTDs and external entities disabled (it comes from the LAN). The control
 * URL is resolved against {@code URLBase} or the description's URL. The first answer's sender must be the
 * gateway when {@code gateway} is given (a device elsewhere on the LAN is not our NAT).
 *
 * <p>Threads: blocking; {@code synchronized} so discovery happens once per instance.
 */
public final class UpnpClient implements MappingClient {
    public static final InetSocketAddress SSDP = new InetSocketAddress(InetAddress.ofLiteral("239.255.255.250"), 1900);
    static final String[] SERVICES = {
            "urn:schemas-upnp-org:service:WANIPConnection:2",
            "urn:schemas-upnp-org:service:WANIPConnection:1",
            "urn:schemas-upnp-org:service:WANPPPConnection:1"};
    static final int MAX_IGNORED = 8;

    private final InetSocketAddress ssdp;
    private final InetAddress gateway;
    private final Duration timeout;
    private final HttpClient http;
    // guarded by this: discovered control endpoint
    private URI controlUrl;
    // guarded by this
    private String serviceType;
    // guarded by this: our LAN address towards the device
    private InetAddress localAddress;

    /**
     * @param ssdp    where to send M-SEARCH
     * @param gateway the expected responder, or null to accept any
     */
    public UpnpClient(InetSocketAddress ssdp, InetAddress gateway, Duration timeout) {
        this.ssdp = ssdp;
        this.gateway = gateway;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String protocol() {
        return "upnp";
    }

    @Override
    public synchronized boolean probe() {
        try {
            discover();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void discover() throws IOException {
        if (controlUrl != null) {
            return;
        }
        String search = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n\r\n";
        URI location = null;
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] req = search.getBytes(StandardCharsets.US_ASCII);
            s.send(new DatagramPacket(req, req.length, ssdp));
            byte[] buf = new byte[2048];
            for (int tries = 0; location == null; tries++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    throw new IOException("no UPnP gateway answered M-SEARCH to " + ssdp);
                }
                if (gateway == null || gateway.equals(p.getAddress())) {
                    location = header(new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII), "location");
                }
                if (location == null && tries >= MAX_IGNORED) {
                    throw new IOException("no usable SSDP answer from " + ssdp);
                }
            }
        }
        Document d = parse(get(location), "device description at " + location);
        URI base = location;
        NodeList bases = d.getElementsByTagNameNS("*", "URLBase");
        if (bases.getLength() > 0 && !bases.item(0).getTextContent().isBlank()) {
            base = URI.create(bases.item(0).getTextContent().trim());
        }
        NodeList services = d.getElementsByTagNameNS("*", "service");
        for (String wanted : SERVICES) {
            for (int i = 0; i < services.getLength(); i++) {
                Element svc = (Element) services.item(i);
                if (wanted.equals(text(svc, "serviceType"))) {
                    String ctl = text(svc, "controlURL");
                    if (ctl == null) {
                        throw new IOException("UPnP service " + wanted + " at " + location + " has no controlURL");
                    }
                    controlUrl = base.resolve(ctl.trim());
                    serviceType = wanted;
                    try (DatagramSocket probe = new DatagramSocket()) {
                        probe.connect(new InetSocketAddress(controlUrl.getHost(), Math.max(1, controlUrl.getPort())));
                        localAddress = probe.getLocalAddress();
                    }
                    return;
                }
            }
        }
        throw new IOException("UPnP device at " + location + " offers no WANIPConnection/WANPPPConnection service");
    }

    /** The value of header {@code name} (case-insensitive) in an HTTP-over-UDP message, as a URI, or null. */
    static URI header(String msg, String name) {
        for (String line : msg.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().toLowerCase(Locale.ROOT).equals(name)) {
                try {
                    URI u = URI.create(line.substring(c + 1).trim());
                    return "http".equals(u.getScheme()) && u.getHost() != null ? u : null;
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagNameNS("*", tag);
        return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
    }

    private byte[] get(URI u) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(u).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + u + " answered HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted fetching " + u);
        }
    }

    static Document parse(byte[] xml, String what) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new IOException(what + " is not well-formed XML: " + e.getMessage());
        }
    }

    private Document soap(String action, String args) throws IOException {
        String body = "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                + "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><u:" + action
                + " xmlns:u=\"" + serviceType + "\">" + args + "</u:" + action + "></s:Body></s:Envelope>";
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(controlUrl).timeout(timeout)
                            .header("Content-Type", "text/xml; charset=\"utf-8\"")
                            .header("SOAPAction", "\"" + serviceType + "#" + action + "\"")
                            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                Document fault = null;
                try {
                    fault = parse(r.body(), "fault");
                } catch (IOException ignored) {
                    // no readable fault
                }
                String code = fault == null ? null : firstText(fault, "errorCode");
                String desc = fault == null ? null : firstText(fault, "errorDescription");
                throw new IOException("UPnP " + action + " at " + controlUrl + " failed: HTTP " + r.statusCode()
                        + (code != null ? ", error " + code : "") + (desc != null ? " " + desc : ""));
            }
            return parse(r.body(), "UPnP " + action + " response");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during UPnP " + action);
        }
    }

    private static String firstText(Document d, String tag) {
        NodeList l = d.getElementsByTagNameNS("*", tag);
        return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
    }

    /** The gateway's external IP address. */
    public synchronized InetAddress externalAddress() throws IOException {
        discover();
        String ip = firstText(soap("GetExternalIPAddress", ""), "NewExternalIPAddress");
        if (ip == null || ip.isEmpty()) {
            throw new IOException("UPnP GetExternalIPAddress at " + controlUrl + " returned no address");
        }
        try {
            return InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            throw new IOException("UPnP GetExternalIPAddress returned \"" + ip + "\", not an IP address");
        }
    }

    @Override
    public synchronized Mapping map(int internalPort, int lifetimeSeconds) throws IOException {
        discover();
        soap("AddPortMapping", "<NewRemoteHost></NewRemoteHost><NewExternalPort>" + internalPort
                + "</NewExternalPort><NewProtocol>UDP</NewProtocol><NewInternalPort>" + internalPort
                + "</NewInternalPort><NewInternalClient>" + localAddress.getHostAddress()
                + "</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>warren</NewPortMappingDescription>"
                + "<NewLeaseDuration>" + lifetimeSeconds + "</NewLeaseDuration>");
        return new Mapping(protocol(), new InetSocketAddress(externalAddress(), internalPort), internalPort,
                Duration.ofSeconds(lifetimeSeconds));
    }

    @Override
    public synchronized void delete(Mapping m) throws IOException {
        discover();
        soap("DeletePortMapping", "<NewRemoteHost></NewRemoteHost><NewExternalPort>" + m.external().getPort()
                + "</NewExternalPort><NewProtocol>UDP</NewProtocol>");
    }
}
