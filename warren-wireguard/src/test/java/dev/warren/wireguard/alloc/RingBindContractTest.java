package dev.warren.wireguard.alloc;

import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wireguard.contract.BindContract;

/** {@link BindContract} over {@link RingNetwork}: the allocation-free fake behaves like a real bind. */
class RingBindContractTest extends BindContract {
    private final RingNetwork net = new RingNetwork(1024, 2048);

    @Override
    protected Bind newBind() {
        return net.bind(new byte[] {(byte) 198, 51, 100, 2});
    }

    @Override
    protected Endpoint reachableAt(Bind bind, Bind.Opened opened) {
        return ((RingNetwork.RingBind) bind).local();
    }

    @Override
    protected int maxDatagram() {
        return 2048;
    }
}
