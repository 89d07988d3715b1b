package dev.warren.wireguard.tables;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known cases, including the boundary cases of wireguard-go's replay test. */
class ReplayFilterTest {
    private static final long LIMIT = ReplayFilter.REJECT_AFTER_MESSAGES;
    private static final long WINDOW = ReplayFilter.WINDOW_SIZE;

    @Test
    void acceptsEachCounterOnce() {
        ReplayFilter f = new ReplayFilter();
        assertTrue(f.validateCounter(0, LIMIT));
        assertFalse(f.validateCounter(0, LIMIT));
        assertTrue(f.validateCounter(1, LIMIT));
        assertTrue(f.validateCounter(3, LIMIT));
        assertTrue(f.validateCounter(2, LIMIT));
        assertFalse(f.validateCounter(2, LIMIT));
        assertFalse(f.validateCounter(3, LIMIT));
    }

    @Test
    void windowEdges() {
        ReplayFilter f = new ReplayFilter();
        long top = WINDOW + 1000;
        assertTrue(f.validateCounter(top, LIMIT));
        assertTrue(f.validateCounter(top - WINDOW, LIMIT), "exactly at the window's lower edge");
        assertFalse(f.validateCounter(top - WINDOW - 1, LIMIT), "just below the window");
        assertFalse(f.validateCounter(top - WINDOW, LIMIT), "already seen");
        assertTrue(f.validateCounter(top - 1, LIMIT));
    }

    @Test
    void bigJumpClearsTheRing() {
        ReplayFilter f = new ReplayFilter();
        for (long c = 0; c < 8192; c++) {
            assertTrue(f.validateCounter(c, LIMIT));
        }
        long far = 8192L * 5 + 17;
        assertTrue(f.validateCounter(far, LIMIT));
        for (long c = far - WINDOW; c < far; c++) {
            assertTrue(f.validateCounter(c, LIMIT), "counter " + c + " must be new after the jump");
        }
        assertFalse(f.validateCounter(far - WINDOW - 1, LIMIT));
    }

    @Test
    void limitIsUnsignedAndExclusive() {
        ReplayFilter f = new ReplayFilter();
        assertFalse(f.validateCounter(10, 10));
        assertTrue(f.validateCounter(9, 10));
        long nearTop = LIMIT - 1; // 2^64 - 2^13 - 2, negative as a signed long
        assertTrue(f.validateCounter(nearTop, LIMIT));
        assertFalse(f.validateCounter(LIMIT, LIMIT));
        assertFalse(f.validateCounter(-1L, LIMIT));
        assertFalse(f.validateCounter(nearTop, LIMIT));
        assertTrue(f.validateCounter(nearTop - 5, LIMIT));
    }

    @Test
    void resetForgets() {
        ReplayFilter f = new ReplayFilter();
        assertTrue(f.validateCounter(100_000, LIMIT));
        assertFalse(f.validateCounter(5, LIMIT));
        f.reset();
        assertTrue(f.validateCounter(5, LIMIT));
        assertTrue(f.validateCounter(0, LIMIT));
    }
}
