package dev.warren.wireguard.uapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Golden files under {@code src/test/resources/uapi/}. Run the tests with {@code -Duapi.golden.update=true}
 * to rewrite the {@code .expected} files from the current output (then review the diff).
 */
final class Fixtures {
    static final boolean UPDATE = Boolean.getBoolean("uapi.golden.update");

    private Fixtures() {
    }

    static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/uapi/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("missing fixture uapi/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names (without directory) of the fixtures in {@code uapi/dir} ending in {@code suffix}, sorted. */
    static List<String> list(String dir, String suffix) {
        try (Stream<Path> files = Files.list(dir(dir))) {
            List<String> names = new ArrayList<>();
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes an expected file into the source tree (update mode only). */
    static void writeSource(String name, String content) {
        Path p = Path.of("src/test/resources/uapi", name);
        try {
            Files.writeString(p, content, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean exists(String name) {
        return Fixtures.class.getResource("/uapi/" + name) != null;
    }

    private static Path dir(String dir) {
        URL url = Fixtures.class.getResource("/uapi/" + dir);
        if (url == null) {
            throw new IllegalArgumentException("missing fixture directory uapi/" + dir);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
