package dev.warren.cli.node;

import java.util.List;

/** The CLI's plain-text tables ({@code warren status}, {@code warren filter}): columns padded to their widest cell. */
final class TextTable {
    private TextTable() {
    }

    /** Appends {@code rows} (the first is the header) to {@code out}, columns two spaces apart, no trailing blanks. */
    static void append(StringBuilder out, List<String[]> rows) {
        int[] w = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (w[i] + 2) + "s", r[i]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
