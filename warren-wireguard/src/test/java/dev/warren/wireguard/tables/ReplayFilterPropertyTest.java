package dev.warren.wireguard.tables;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Differential test: the ring against a set of seen counters plus the window rule. */
class ReplayFilterPropertyTest {

    @Property(tries = 500)
    void behavesLikeSetPlusWindow(@ForAll("bases") long base, @ForAll("deltas") List<Long> deltas,
                                  @ForAll("limits") long limitOffset) {
        long limit = limitOffset == Long.MIN_VALUE ? ReplayFilter.REJECT_AFTER_MESSAGES : base + limitOffset;
        ReplayFilter filter = new ReplayFilter();
        Model model = new Model();
        long cursor = 0;
        int i = 0;
        for (long d : deltas) {
            if (d == Long.MIN_VALUE) { // a reset, as for a new keypair
                filter.reset();
                model = new Model();
                continue;
            }
            cursor = Math.max(0, cursor + d);
            long counter = base + cursor; // may wrap past 2^63: counters are unsigned
            assertEquals(model.accept(counter, limit), filter.validateCounter(counter, limit),
                    "step " + i + ": counter " + Long.toUnsignedString(counter));
            i++;
        }
    }

    @Provide
    Arbitrary<Long> bases() {
        return Arbitraries.of(0L, 1L << 20, Long.MAX_VALUE - 5000, ReplayFilter.REJECT_AFTER_MESSAGES - 30_000);
    }

    @Provide
    Arbitrary<Long> limits() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just(Long.MIN_VALUE)),
                Tuple.of(1, Arbitraries.longs().between(0, 40_000)));
    }

    @Provide
    Arbitrary<List<Long>> deltas() {
        Arbitrary<Long> d = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.longs().between(-3, 5)),
                Tuple.of(4, Arbitraries.longs().between(-9000, 9000)),
                Tuple.of(2, Arbitraries.longs().between(8000, 9000)),
                Tuple.of(2, Arbitraries.longs().between(-8200, -8000)),
                Tuple.of(1, Arbitraries.longs().between(9000, 30_000)),
                Tuple.of(1, Arbitraries.just(Long.MIN_VALUE)));
        return d.list().ofMinSize(1).ofMaxSize(400);
    }

    /** Accept iff below the limit, not seen, and not more than WINDOW_SIZE below the highest accepted. */
    private static final class Model {
        final Set<Long> seen = new HashSet<>();
        long max; // starts at 0, like the filter

        boolean accept(long c, long limit) {
            if (Long.compareUnsigned(c, limit) >= 0) {
                return false;
            }
            if (Long.compareUnsigned(c, max) <= 0 && Long.compareUnsigned(max - c, ReplayFilter.WINDOW_SIZE) > 0) {
                return false;
            }
            if (!seen.add(c)) {
                return false;
            }
            if (Long.compareUnsigned(c, max) > 0) {
                max = c;
            }
            return true;
        }
    }
}
