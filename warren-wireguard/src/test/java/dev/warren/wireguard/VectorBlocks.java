package dev.warren.wireguard;

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
 * The text format of {@code src/test/resources/vectors/*.txt} (the same as warren-crypto's vectors): {@code #}
 * comment lines, {@code name = value} lines, blocks separated by blank lines. Values are hex unless read as text.
 */
final class VectorBlocks {
    private VectorBlocks() {
    }

    /** One block's fields in file order. */
    record Block(int line, Map<String, String> fields) {
        String text(String name) {
            String v = fields.get(name);
            if (v == null) {
                throw new IllegalArgumentException("vector block at line " + line + " has no field '" + name + "'");
            }
            return v;
        }

        byte[] hex(String name) {
            return HexFormat.of().parseHex(text(name));
        }

        long number(String name) {
            return Long.parseLong(text(name));
        }

        @Override
        public String toString() {
            return fields.getOrDefault("name", "block") + "@" + line;
        }
    }

    /** Reads a resource under {@code /vectors/}. */
    static List<Block> resource(String name) {
        try (InputStream in = VectorBlocks.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("missing test resource vectors/" + name);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> parse(String text) {
        List<Block> blocks = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        int start = 0;
        String[] lines = text.split("\n", -1);
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
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'name = value'");
            }
            if (current.isEmpty()) {
                start = i + 1;
            }
            String key = line.substring(0, eq).strip();
            if (current.put(key, line.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": field '" + key + "' repeated");
            }
        }
        if (!current.isEmpty()) {
            blocks.add(new Block(start, current));
        }
        return blocks;
    }

    /** The block whose {@code name} field is {@code name}. */
    static Block named(List<Block> blocks, String name) {
        for (Block b : blocks) {
            if (name.equals(b.fields().get("name"))) {
                return b;
            }
        }
        throw new IllegalArgumentException("no vector block named " + name);
    }

    /** Writes fields as a block (values are written as given; byte arrays become hex). */
    static void append(StringBuilder out, Map<String, Object> fields) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Object v = e.getValue();
            out.append(e.getKey()).append(" = ")
                    .append(v instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(v)).append('\n');
        }
        out.append('\n');
    }
}
