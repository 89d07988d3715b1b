package dev.warren.magicsock.portmap;

import java.io.IOException;

/** One port-mapping protocol against one gateway. Blocking calls with short timeouts; run off the data path. */
public interface MappingClient {
    /** "pcp", "nat-pmp" or "upnp". */
    String protocol();

    /** Whether the gateway speaks this protocol (one short exchange). */
    boolean probe();

    /** Maps UDP {@code internalPort} for {@code lifetimeSeconds}; throws naming what the gateway answered. */
    Mapping map(int internalPort, int lifetimeSeconds) throws IOException;

    /** Removes a mapping this client made. */
    void delete(Mapping m) throws IOException;
}
