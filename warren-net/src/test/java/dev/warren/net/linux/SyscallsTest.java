package dev.warren.net.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The single {@code syscall(2)} downcall: system call numbers match the kernel headers, results and
 * {@code errno} come back as from the libc functions it replaces, and unknown architectures fail clearly.
 */
class SyscallsTest {

    @Test
    void numbersMatchTheX8664KernelHeader() throws IOException {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        assumeTrue(Files.exists(header), "needs the x86-64 kernel headers (linux-libc-dev)");
        assertNumbersMatch(Syscalls.Numbers.forArch("amd64"), defines(header, "__NR_"));
    }

    @Test
    void numbersMatchTheGenericKernelHeaderUsedByAarch64() throws IOException {
        Path header = Path.of("/usr/include/asm-generic/unistd.h");
        assumeTrue(Files.exists(header), "needs the generic kernel headers (linux-libc-dev)");
        Map<String, Integer> nr = defines(header, "__NR_");
        nr.putAll(defines(header, "__NR3264_")); // mmap is __NR3264_mmap on 64-bit architectures
        nr.put("poll", -1); // the generic table has no poll: Libc uses ppoll there
        assertNumbersMatch(Syscalls.Numbers.forArch("aarch64"), nr);
    }

    @Test
    void unknownArchitecturesAreNamedInTheError() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Syscalls.Numbers.forArch("riscv64"));
        assertTrue(e.getMessage().contains("riscv64"), e.getMessage());
        assertFalse(Syscalls.Numbers.isKnown("riscv64"));
        assertTrue(Syscalls.Numbers.isKnown("amd64"));
        assertTrue(Syscalls.Numbers.isKnown("aarch64"));
        assertSame(Syscalls.Numbers.forArch("x86_64"), Syscalls.Numbers.forArch("AMD64"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void eventfdWriteReadPollAndCloseRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = Poller.newEventFd(st);
            MemorySegment v = arena.allocate(8, 8);
            MemorySegment pfd = arena.allocate(LinuxConstants.POLLFD_SIZE, 8);
            pfd.set(Libc.INT, LinuxConstants.POLLFD_FD, fd);
            pfd.set(Libc.SHORT, LinuxConstants.POLLFD_EVENTS, LinuxConstants.POLLIN);
            assertEquals(0, Libc.pollFast(pfd.address(), 1, 0), "nothing written yet");
            assertEquals(0, Libc.poll(st, pfd.address(), 1, 5), "a finite timeout expires");

            v.set(Libc.LONG, 0, 7);
            assertEquals(8, Libc.write(st, fd, v.address(), 8));
            assertEquals(8, Libc.writeFast(fd, v.address(), 8));
            assertEquals(1, Libc.poll(st, pfd.address(), 1, -1));
            v.set(Libc.LONG, 0, 0);
            assertEquals(8, Libc.read(st, fd, v.address(), 8));
            assertEquals(14, v.get(Libc.LONG, 0), "an eventfd reads the sum of what was written");

            assertEquals(-1, Libc.readFast(fd, v.address(), 8), "empty and non-blocking");
            assertEquals(-1, Libc.read(st, fd, v.address(), 8));
            assertEquals(Errno.EAGAIN, Libc.errno(st));
            assertEquals(0, Libc.close(st, fd));
            assertEquals(-1, Libc.close(st, fd));
            assertEquals(Errno.EBADF, Libc.errno(st));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void openPassesThePathAndReportsErrno() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            assertEquals(-1, Libc.open(st, Libc.cString(arena, "/nonexistent/warren-" + System.nanoTime()), 0, 0));
            assertEquals(Errno.ENOENT, Libc.errno(st));
            int fd = Libc.open(st, Libc.cString(arena, "/dev/null"), LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC, 0);
            assertTrue(fd >= 0, "open /dev/null: errno " + Libc.errno(st));
            MemorySegment b = arena.allocate(16);
            assertEquals(16, Libc.write(st, fd, b.address(), 16));
            assertEquals(0, Libc.read(st, fd, b.address(), 16), "end of file");
            assertEquals(0, Libc.close(st, fd));
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void segmentArgumentsMustBeLiveNativeMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            assertThrows(IllegalArgumentException.class,
                    () -> Libc.open(st, MemorySegment.ofArray("/dev/null\0".getBytes()), 0, 0));
            MemorySegment closed;
            try (Arena other = Arena.ofConfined()) {
                closed = Libc.cString(other, "/dev/null");
            }
            MemorySegment gone = closed;
            assertThrows(IllegalArgumentException.class, () -> Libc.open(st, gone, 0, 0));
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void mmapAndMunmapThroughTheSameStub() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            long addr = Libc.mmapAnonymous(st, 1 << 16);
            assertTrue(addr > 0, "mmap: errno " + Libc.errno(st));
            MemorySegment m = MemorySegment.ofAddress(addr).reinterpret(1 << 16);
            assertEquals(0, m.get(Libc.LONG, 4096), "anonymous pages are zero");
            m.set(Libc.LONG, 4096, 42);
            assertEquals(42, m.get(Libc.LONG, 4096));
            assertEquals(0, Libc.munmap(st, addr, 1 << 16));
        }
    }

    private static void assertNumbersMatch(Syscalls.Numbers numbers, Map<String, Integer> header) {
        for (RecordComponent c : Syscalls.Numbers.class.getRecordComponents()) {
            if (c.getType() != int.class) {
                continue;
            }
            int ours;
            try {
                ours = (int) c.getAccessor().invoke(numbers);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            Integer theirs = header.get(c.getName());
            assertTrue(theirs != null, c.getName() + " is not in the header");
            assertEquals(theirs, ours, numbers.arch() + " " + c.getName());
        }
    }

    private static Map<String, Integer> defines(Path header, String prefix) throws IOException {
        Pattern p = Pattern.compile("^#define\\s+" + Pattern.quote(prefix) + "(\\w+)\\s+(\\d+)\\s*$");
        Map<String, Integer> out = new HashMap<>();
        for (String line : Files.readAllLines(header)) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                out.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return out;
    }
}
