package dev.warren.control.internal.state;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamesAndAddressesTest {
    @Test
    void sanitizesHostnames() {
        assertEquals("laptop", Names.sanitize("Laptop.local"));
        assertEquals("my-pc", Names.sanitize("My PC!!"));
        assertEquals("node", Names.sanitize("---"));
        assertEquals("node", Names.sanitize(null));
        assertEquals("jose-s-mac", Names.sanitize("José's Mac"));
        assertEquals(63, Names.sanitize("a".repeat(100)).length());
        assertTrue(Names.isValidNodeName(Names.sanitize("x".repeat(62) + "-y")));
    }

    @Test
    void deduplicatesWithinLimit() {
        Set<String> taken = new HashSet<>(Set.of("laptop", "laptop-1"));
        assertEquals("laptop-2", Names.unique("laptop", taken));
        String longName = "a".repeat(63);
        String u = Names.unique(longName, Set.of(longName));
        assertEquals(63, u.length());
        assertTrue(u.endsWith("-1"));
    }

    @Test
    void clashCandidates() {
        assertTrue(Names.couldClash("laptop", "laptop"));
        assertTrue(Names.couldClash("laptop-12", "laptop"));
        assertTrue(Names.couldClash("lapt-1", "laptop"), "a truncated stem of a long name");
        assertFalse(Names.couldClash("laptop-x", "laptop"));
        assertFalse(Names.couldClash("desktop-1", "laptop"));
        assertFalse(Names.couldClash("laptop2", "laptop"));
    }

    @Test
    void validatesNamesAndTags() {
        assertTrue(Names.isValidDomainName("corp.example"));
        assertFalse(Names.isValidDomainName("Corp"));
        assertFalse(Names.isValidDomainName("-x"));
        assertFalse(Names.isValidDomainName("a..b"));
        assertTrue(Names.isValidTag("tag:ci-runner"));
        assertFalse(Names.isValidTag("ci"));
        assertFalse(Names.isValidTag("tag:"));
    }

    @Test
    void addressesAreUniqueAndSkipReserved() {
        Set<String> seen = new HashSet<>();
        long next = 1;
        for (int i = 0; i < 70_000; i++) {
            long idx = Addresses.firstUsable(next);
            next = idx + 1;
            String v4 = Addresses.v4(idx).toString();
            assertTrue(seen.add(v4), v4);
            assertTrue(seen.add(Addresses.v6(idx).toString()));
            assertFalse(v4.endsWith(".0/32") || v4.endsWith(".255/32"), v4);
            assertFalse(v4.equals("100.100.100.100/32"));
        }
        assertEquals("100.64.0.1/32", Addresses.v4(Addresses.firstUsable(1)).toString());
        assertEquals("100.64.1.1/32", Addresses.v4(Addresses.firstUsable(255)).toString());
        long reserved = 0x64646464L - Addresses.V4_BASE;
        assertEquals(reserved + 1, Addresses.firstUsable(reserved));
        assertTrue(Addresses.v6(1).toString().startsWith("fd7a:115c:a1e0:"), Addresses.v6(1).toString());
    }
}
