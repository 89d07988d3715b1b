package dev.warren.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code src/test/resources/vectors/*.txt} files: blocks separated by blank lines, {@code #}
 * comments, {@code name = value} lines. Values are hex unless a test reads them as text.
 */
final class VectorFile {
    private VectorFile() {
    }

    /** One block of fields, in file order. */
    record Block(int line, Map<String, String> fields) {
        String text(String name) {
            String v = fields.get(name);
            if (v == null) {
                throw new IllegalArgumentException("vector at line " + line + " has no field '" + name + "'");
            }
            return v;
        }

        byte[] hex(String name) {
            return HexFormat.of().parseHex(text(name));
        }

        boolean has(String name) {
            return fields.containsKey(name);
        }

        @Override
        public String toString() {
            return fields.getOrDefault("name", fields.getOrDefault("kind", "block")) + "@" + line;
        }
    }

    static String resource(String name) {
        try (InputStream in = VectorFile.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("missing test resource vectors/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> read(String name) {
        List<Block> blocks = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        int start = 0;
        String[] lines = resource(name).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isEmpty()) {
                if (!current.isEmpty()) {
                    blocks.add(new Block(start, current));
                    current = new LinkedHashMap<>();
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": expected 'name = value'");
            }
            if (current.isEmpty()) {
                start = i + 1;
            }
            current.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        if (!current.isEmpty()) {
            blocks.add(new Block(start, current));
        }
        return blocks;
    }

    static Block named(String file, String name) {
        return read(file).stream().filter(b -> name.equals(b.fields().get("name"))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(file + " has no vector named " + name));
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
