package dev.warren.magicsock.portmap;

/** Which port-mapping protocols the default gateway answered. */
public record Protocols(boolean upnp, boolean pmp, boolean pcp) {
    public static final Protocols NONE = new Protocols(false, false, false);

    public boolean any() {
        return upnp || pmp || pcp;
    }
}
