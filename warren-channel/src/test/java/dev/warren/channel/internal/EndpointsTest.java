package dev.warren.channel.internal;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointsTest {
    @Test
    void mapsSchemesAndKeepsThePathPrefix() {
        assertEquals(URI.create("ws://10.0.0.1:8080/control"), Endpoints.ws(URI.create("http://10.0.0.1:8080"), "/control"));
        assertEquals(URI.create("wss://c.example/control"), Endpoints.ws(URI.create("https://c.example/"), "/control"));
        assertEquals(URI.create("wss://c.example/warren/control"),
                Endpoints.ws(URI.create("https://c.example/warren//"), "/control"));
        assertEquals(URI.create("http://[::1]:80/key"), Endpoints.http(URI.create("http://[::1]:80"), "/key"));
        assertEquals(URI.create("https://c.example:8443/key"), Endpoints.http(URI.create("wss://c.example:8443"), "/key"));
    }

    @Test
    void refusesOtherSchemesAndMissingHosts() {
        assertThrows(IllegalArgumentException.class, () -> Endpoints.ws(URI.create("ftp://c.example"), "/control"));
        assertThrows(IllegalArgumentException.class, () -> Endpoints.ws(URI.create("c.example:80"), "/control"));
        assertThrows(IllegalArgumentException.class, () -> Endpoints.http(URI.create("http:///x"), "/key"));
    }
}
