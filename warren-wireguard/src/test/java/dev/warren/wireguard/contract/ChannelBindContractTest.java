package dev.warren.wireguard.contract;

import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;

/** {@link BindContract} over the in-memory {@link ChannelBind}: the fake every engine test relies on keeps it. */
class ChannelBindContractTest extends BindContract {
    private final ChannelNetwork net = new ChannelNetwork();

    /** All binds share one address, like sockets bound to the wildcard address of one host. */
    @Override
    protected Bind newBind() {
        return net.bind(new byte[] {(byte) 198, 51, 100, 1});
    }

    @Override
    protected Endpoint reachableAt(Bind bind, Bind.Opened opened) {
        return ((ChannelBind) bind).local();
    }

    @Override
    protected int maxDatagram() {
        return 65535;
    }
}
