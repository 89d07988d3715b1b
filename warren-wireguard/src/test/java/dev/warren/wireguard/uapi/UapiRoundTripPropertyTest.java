package dev.warren.wireguard.uapi;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the writer prints, the parsers read back unchanged: set requests and get responses. */
class UapiRoundTripPropertyTest {

    @Property(tries = 300)
    void setRequestsRoundTrip(@ForAll("setRequests") SetRequest request) throws Exception {
        assertEquals(request, UapiParser.parseSet(UapiWriter.formatSetRequest(request)));
    }

    @Property(tries = 300)
    void getResponsesRoundTrip(@ForAll("states") DeviceState state) throws Exception {
        String text = UapiWriter.formatGetResponse(state);
        assertEquals(state, UapiResponseParser.parseGet(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))));
    }

    @Provide
    Arbitrary<SetRequest> setRequests() {
        // The parser clamps private keys (as wireguard-go does), so only clamped keys round-trip unchanged.
        Arbitrary<PrivateKey> priv = Arbitraries.oneOf(bytes32().map(b -> UapiText.clampUnlessZero(PrivateKey.of(b))),
                Arbitraries.just(PrivateKey.of(new byte[32])));
        return Combinators.combine(priv.injectNull(0.3), Arbitraries.integers().between(0, 65535).injectNull(0.5),
                        Arbitraries.integers().injectNull(0.7), Arbitraries.of(true, false),
                        peerChange().list().ofMaxSize(5))
                .as(SetRequest::new);
    }

    private Arbitrary<PeerChange> peerChange() {
        Arbitrary<PeerChange> removal = publicKey().map(PeerChange::removal);
        Arbitrary<PresharedKey> psk = Arbitraries.oneOf(bytes32().map(PresharedKey::of), Arbitraries.just(PresharedKey.NONE));
        Arbitrary<List<List<IpPrefix>>> split = prefix().list().uniqueElements().ofMaxSize(8).flatMap(all ->
                Arbitraries.integers().between(0, all.size()).map(cut -> List.of(all.subList(0, cut), all.subList(cut, all.size()))));
        Arbitrary<PeerChange> change = Combinators.combine(publicKey(), Arbitraries.of(true, false), psk.injectNull(0.5),
                        endpoint().injectNull(0.5), Arbitraries.integers().between(0, 65535).injectNull(0.5),
                        Arbitraries.of(true, false), split)
                .as((key, updateOnly, p, ep, ka, replace, lists) ->
                        new PeerChange(key, false, updateOnly, p, ep, ka, replace, lists.get(0), lists.get(1)));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, removal), net.jqwik.api.Tuple.of(5, change));
    }

    @Provide
    Arbitrary<DeviceState> states() {
        Arbitrary<PeerState> peer = Combinators.combine(publicKey(),
                        Arbitraries.oneOf(bytes32().map(PresharedKey::of), Arbitraries.just(PresharedKey.NONE)),
                        endpoint().injectNull(0.3), Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.longs(),
                        Arbitraries.longs(), Arbitraries.integers().between(0, 65535),
                        prefix().list().uniqueElements().ofMaxSize(6))
                .as(PeerState::new);
        return Combinators.combine(bytes32().map(PrivateKey::of).filter(k -> !k.isZero()).injectNull(0.3),
                        Arbitraries.integers().between(0, 65535), Arbitraries.integers(), peer.list().ofMaxSize(4))
                .as(DeviceState::new);
    }

    private static Arbitrary<byte[]> bytes32() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32);
    }

    private static Arbitrary<PublicKey> publicKey() {
        return bytes32().map(PublicKey::of);
    }

    private static Arbitrary<Endpoint> endpoint() {
        Arbitrary<Endpoint> v4 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.integers().between(0, 65535)).as(Endpoint::of);
        Arbitrary<Endpoint> v6 = Combinators.combine(v6Address(), Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 1000).injectNull(0.6))
                .as((a, port, scope) -> Endpoint.of(a, 0, 16, port, scope == null ? 0 : scope));
        return Arbitraries.oneOf(v4, v6);
    }

    /** IPv6 addresses with runs of zero groups (to exercise :: placement) and IPv4-mapped ones. */
    private static Arbitrary<byte[]> v6Address() {
        return Arbitraries.integers().between(0, 255).list().ofSize(8).map(groups -> {
            byte[] a = new byte[16];
            for (int i = 0; i < 8; i++) {
                int g = groups.get(i) < 128 ? 0 : groups.get(i) * 257;
                a[2 * i] = (byte) (g >>> 8);
                a[2 * i + 1] = (byte) g;
            }
            if (groups.get(0) == 7) { // sometimes an IPv4-mapped address
                java.util.Arrays.fill(a, 0, 10, (byte) 0);
                a[10] = (byte) 0xff;
                a[11] = (byte) 0xff;
            }
            return a;
        });
    }

    private static Arbitrary<IpPrefix> prefix() {
        Arbitrary<IpPrefix> v4 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.integers().between(0, 32)).as(IpPrefix::of);
        Arbitrary<IpPrefix> v6 = Combinators.combine(v6Address(), Arbitraries.integers().between(0, 128)).as(IpPrefix::of);
        return Arbitraries.oneOf(v4, v6);
    }
}
