package dev.warren.magicsock.portmap;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback UPnP Internet Gateway Device for tests: an SSDP responder (answers M-SEARCH with a LOCATION) and a tiny
 * HTTP server with the device description and a WANIPConnection:1 control URL that records SOAP actions.
 */
final class FakeIgd implements AutoCloseable {
    final DatagramSocket ssdp;
    final HttpServer http;
    final List<String> actions = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    private final Thread thread;
    volatile boolean failAdd;

    FakeIgd() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/rootDesc.xml", ex -> {
            byte[] b = ("<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device>"
                    + "<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><deviceList><device>"
                    + "<deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType><serviceList><service>"
                    + "<serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType>"
                    + "<controlURL>/wrong</controlURL></service></serviceList><deviceList><device>"
                    + "<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>"
                    + "<controlURL>/ctl/IPConn</controlURL></service></serviceList>"
                    + "</device></deviceList></device></deviceList></device></root>").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.createContext("/ctl/IPConn", ex -> {
            String action = ex.getRequestHeaders().getFirst("SOAPAction");
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            actions.add(action);
            bodies.add(body);
            String resp;
            int code = 200;
            if (action.contains("#GetExternalIPAddress")) {
                resp = "<u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
                        + "<NewExternalIPAddress>198.51.100.77</NewExternalIPAddress></u:GetExternalIPAddressResponse>";
            } else if (action.contains("#AddPortMapping") && failAdd) {
                code = 500;
                resp = "<s:Fault><detail><UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>718"
                        + "</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError>"
                        + "</detail></s:Fault>";
            } else {
                resp = "<u:Response xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\"/>";
            }
            byte[] b = ("<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                    + "<s:Body>" + resp + "</s:Body></s:Envelope>").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        ssdp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        thread = Thread.ofVirtual().start(this::answer);
    }

    InetSocketAddress ssdpAddress() {
        return new InetSocketAddress("127.0.0.1", ssdp.getLocalPort());
    }

    private void answer() {
        byte[] buf = new byte[2048];
        while (!ssdp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                ssdp.receive(p);
                String req = new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII);
                if (!req.startsWith("M-SEARCH") || !req.contains("InternetGatewayDevice")) {
                    continue;
                }
                byte[] junk = "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                ssdp.send(new DatagramPacket(junk, junk.length, p.getSocketAddress()));
                byte[] out = ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\n"
                        + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
                        + "Location: http://127.0.0.1:" + http.getAddress().getPort() + "/rootDesc.xml\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                ssdp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        ssdp.close();
        http.stop(0);
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
