package dev.warren.magicsock;

import dev.warren.magicsock.disco.DiscoBox;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.stun.StunMessage;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DemuxTest {
    private static Demux.Kind both(byte[] d) {
        Demux.Kind k = Demux.classify(d, 0, d.length);
        PacketBuffer b = PacketBuffer.allocate(Math.max(1, d.length + 3));
        b.copyFrom(d, 0, 3, d.length);
        b.set(3, d.length);
        assertEquals(k, Demux.classify(b), "forms disagree");
        return k;
    }

    @Test
    void classifiesEachProtocolByItsFirstBytes() {
        byte[] txid = new byte[12];
        assertEquals(Demux.Kind.STUN, both(new StunMessage.BindingRequest(txid).encode()));
        assertEquals(Demux.Kind.STUN, both(new StunMessage.BindingSuccess(txid,
                new InetSocketAddress("192.0.2.1", 41641)).encode()));
        DiscoBox a = DiscoBox.generate();
        DiscoBox b = DiscoBox.generate();
        a.register(b.publicKey());
        assertEquals(Demux.Kind.DISCO, both(a.seal(b.publicKey(), new DiscoMessage.CallMeMaybe(List.of()))));
        for (int type = 1; type <= 4; type++) {
            byte[] wg = new byte[type == 4 ? 32 : 148];
            wg[0] = (byte) type;
            wg[4] = 0x21;
            wg[5] = 0x12;
            wg[6] = (byte) 0xA4;
            wg[7] = 0x42; // sender index equal to the STUN cookie: still WireGuard
            assertEquals(Demux.Kind.WIREGUARD, both(wg), "type " + type);
        }
        assertEquals(Demux.Kind.JUNK, both(new byte[]{4, 0, 0}));
        assertEquals(Demux.Kind.JUNK, both(new byte[]{5, 0, 0, 0, 1}));
        assertEquals(Demux.Kind.JUNK, both(new byte[]{1, 0, 1, 0, 1, 2, 3, 4}));
        assertEquals(Demux.Kind.JUNK, both(new byte[0]));
        assertEquals(Demux.Kind.JUNK, Demux.classify(null, 0, 0));
        assertEquals(Demux.Kind.JUNK, Demux.classify(new byte[4], 2, 4));
    }

    @Property(tries = 2000)
    void neverThrowsAndBothFormsAgree(@ForAll byte[] d) {
        both(d);
    }
}
