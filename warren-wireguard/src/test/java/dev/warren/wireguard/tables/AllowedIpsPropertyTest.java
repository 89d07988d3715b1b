package dev.warren.wireguard.tables;

import dev.warren.wire.net.IpPrefix;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential test: the trie against a linear scan over a map, for random sequences of inserts (which
 * also move prefixes between peers), removals, peer removals and lookups, over clustered IPv4 and IPv6
 * prefixes so that they nest and overlap often.
 */
class AllowedIpsPropertyTest {
    private static final List<String> PEERS = List.of("p0", "p1", "p2", "p3");
    private static final byte[][] V4_CLUSTERS = {
        {10, 0, 0, 0}, {10, 0, 1, 0}, {(byte) 192, (byte) 168, 0, 0}, {0, 0, 0, 0}, {(byte) 255, (byte) 255, (byte) 255, (byte) 255},
    };
    private static final byte[][] V6_CLUSTERS = {
        v6(0xfd00_0000_0000_0000L, 0), v6(0xfd00_0000_0000_0001L, 0), v6(0x2001_0db8_0000_0000L, 0), v6(0, 0),
        v6(0xfd00_0000_0000_0000L, 0x8000_0000_0000_0000L), v6(-1L, -1L),
    };

    sealed interface Op permits Insert, Remove, RemoveByPeer, Lookup, Clear {
    }

    record Insert(IpPrefix prefix, String peer) implements Op {
    }

    record Remove(IpPrefix prefix, String peer) implements Op {
    }

    record RemoveByPeer(String peer) implements Op {
    }

    record Lookup(byte[] address) implements Op {
        @Override
        public String toString() {
            return "Lookup" + java.util.Arrays.toString(address);
        }
    }

    record Clear() implements Op {
    }

    @Property(tries = 400)
    void behavesLikeLinearScan(@ForAll("ops") List<Op> ops) {
        AllowedIps<String> table = new AllowedIps<>();
        Reference ref = new Reference();
        for (Op op : ops) {
            switch (op) {
                case Insert(IpPrefix prefix, String peer) -> {
                    table.insert(prefix, peer);
                    ref.insert(prefix, peer);
                }
                case Remove(IpPrefix prefix, String peer) -> assertEquals(ref.remove(prefix, peer), table.remove(prefix, peer), op.toString());
                case RemoveByPeer(String peer) -> {
                    table.removeByPeer(peer);
                    ref.removeByPeer(peer);
                }
                case Lookup(byte[] a) -> assertLookup(table, ref, a);
                case Clear() -> {
                    table.clear();
                    ref.owners.clear();
                    ref.order.clear();
                }
            }
        }
        for (String peer : PEERS) {
            assertEquals(ref.order.getOrDefault(peer, List.of()), table.entriesForPeer(peer), "entries of " + peer);
        }
        assertEquals(ref.owners.size(), table.size());
        // Probe the edges of every prefix: its first and last address, and just outside them.
        for (IpPrefix p : ref.owners.keySet()) {
            byte[] first = p.address();
            byte[] last = lastAddress(p);
            assertLookup(table, ref, first);
            assertLookup(table, ref, last);
            assertLookup(table, ref, step(first, -1));
            assertLookup(table, ref, step(last, +1));
        }
    }

    private static void assertLookup(AllowedIps<String> table, Reference ref, byte[] a) {
        String expected = ref.lookup(a);
        assertEquals(expected, table.lookup(a, 0, a.length), () -> "lookup " + java.util.Arrays.toString(a));
        ByteBuffer b = ByteBuffer.wrap(a);
        if (a.length == 4) {
            assertEquals(expected, table.lookupV4(b.getInt()));
        } else {
            assertEquals(expected, table.lookupV6(b.getLong(), b.getLong()));
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<String> peer = Arbitraries.of(PEERS);
        Arbitrary<IpPrefix> prefix = Arbitraries.oneOf(prefix(V4_CLUSTERS, 32), prefix(V6_CLUSTERS, 128));
        Arbitrary<byte[]> address = Arbitraries.oneOf(address(V4_CLUSTERS, 32), address(V6_CLUSTERS, 128));
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Combinators.combine(prefix, peer).as(Insert::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(prefix, peer).as(Remove::new)),
                net.jqwik.api.Tuple.of(1, peer.map(RemoveByPeer::new)),
                net.jqwik.api.Tuple.of(8, address.map(Lookup::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Clear())));
        return op.list().ofMinSize(1).ofMaxSize(150);
    }

    /** Addresses near a cluster: its base with some of the low {@code noise} bits flipped. */
    private static Arbitrary<byte[]> address(byte[][] clusters, int width) {
        return Combinators.combine(Arbitraries.integers().between(0, clusters.length - 1),
                        Arbitraries.integers().between(0, width), Arbitraries.longs(), Arbitraries.longs())
                .as((c, noise, r1, r2) -> {
                    byte[] a = clusters[c].clone();
                    for (int bit = 0; bit < noise; bit++) {
                        long r = bit < 64 ? r1 : r2;
                        if (((r >>> (bit & 63)) & 1) != 0) {
                            int i = width - 1 - bit;
                            a[i / 8] ^= (byte) (0x80 >>> (i % 8));
                        }
                    }
                    return a;
                });
    }

    private static Arbitrary<IpPrefix> prefix(byte[][] clusters, int width) {
        Arbitrary<Integer> bits = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(width)),
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, width)));
        return Combinators.combine(address(clusters, width), bits).as(IpPrefix::of);
    }

    private static byte[] v6(long hi, long lo) {
        return ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
    }

    private static byte[] lastAddress(IpPrefix p) {
        byte[] a = p.address();
        for (int i = p.bits(); i < a.length * 8; i++) {
            a[i / 8] |= (byte) (0x80 >>> (i % 8));
        }
        return a;
    }

    /** a ± 1 with wrap-around. */
    private static byte[] step(byte[] a, int delta) {
        byte[] r = a.clone();
        for (int i = r.length - 1; i >= 0; i--) {
            int v = (r[i] & 0xff) + delta;
            r[i] = (byte) v;
            if (v >= 0 && v <= 255) {
                break;
            }
        }
        return r;
    }

    /** The obviously correct model. */
    private static final class Reference {
        final Map<IpPrefix, String> owners = new HashMap<>();
        final Map<String, List<IpPrefix>> order = new LinkedHashMap<>();

        void insert(IpPrefix prefix, String peer) {
            String old = owners.put(prefix, peer);
            if (old != null) {
                unlink(old, prefix);
            }
            order.computeIfAbsent(peer, k -> new ArrayList<>()).add(prefix);
        }

        boolean remove(IpPrefix prefix, String peer) {
            if (!peer.equals(owners.get(prefix))) {
                return false;
            }
            owners.remove(prefix);
            unlink(peer, prefix);
            return true;
        }

        void removeByPeer(String peer) {
            List<IpPrefix> list = order.remove(peer);
            if (list != null) {
                list.forEach(owners::remove);
            }
        }

        private void unlink(String peer, IpPrefix prefix) {
            List<IpPrefix> list = order.get(peer);
            list.remove(prefix);
            if (list.isEmpty()) {
                order.remove(peer);
            }
        }

        String lookup(byte[] a) {
            String best = null;
            int bestBits = -1;
            for (Map.Entry<IpPrefix, String> e : owners.entrySet()) {
                IpPrefix p = e.getKey();
                if (p.bits() > bestBits && p.contains(a, 0, a.length)) {
                    best = e.getValue();
                    bestBits = p.bits();
                }
            }
            return best;
        }
    }
}
