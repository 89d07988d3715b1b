package dev.warren.control.internal.protocol;

import dev.warren.control.ControlException;
import dev.warren.testing.FakeClock;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InteractiveLoginsTest {
    static MachineKey machine(int seed) {
        byte[] b = new byte[32];
        b[0] = (byte) seed;
        return MachineKey.of(PublicKey.of(b));
    }

    @Test
    void oneLoginPerMachineAndExpiryOnTheClock() throws Exception {
        FakeClock clock = new FakeClock();
        InteractiveLogins l = new InteractiveLogins(clock, Duration.ofMinutes(30));
        String first = l.start(machine(1));
        String second = l.start(machine(1));
        assertEquals(1, l.size(), "a new login of the same machine replaces the old one");
        assertEquals("login_unknown", assertThrows(ControlException.class,
                () -> l.await("http://x/register/" + first, machine(1))).code());
        assertEquals("machine_mismatch", assertThrows(ControlException.class,
                () -> l.await("http://x/register/" + second, machine(2))).code());
        l.complete(second, "corp", "alice");
        assertEquals(new InteractiveLogins.Completion("corp", "alice"),
                l.await("http://x/register/" + second + "?x=1", machine(1)));
        l.start(machine(3));
        clock.advance(Duration.ofMinutes(31));
        l.tick();
        assertEquals(0, l.size());
        assertThrows(ControlException.class, () -> l.complete("nope", "corp", "bob"));
    }
}
