package dev.warren.policy.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A parser for HuJSON ("human JSON", github.com/tailscale/hujson): standard JSON (RFC 8259) plus {@code //} line
 * comments, {@code /* *}{@code /} block comments and a trailing comma after the last element of an array or
 * object. Produces a {@link Json} tree with positions. Strict otherwise: duplicate object keys, control characters
 * in strings, bad escapes, unpaired surrogates, leading zeros and trailing garbage are errors.
 *
 * <p>Nesting is limited to {@link #MAX_DEPTH} levels so a hostile file cannot overflow the stack. Lines and
 * columns are 1-based; a column counts UTF-16 chars from the start of the line. Not thread-safe (one instance per
 * parse); {@link #parse} is the only entry point.
 */
public final class HuJson {
    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    private final String s;
    private int pos;
    private int line = 1;
    private int lineStart;

    private HuJson(String s) {
        this.s = s;
    }

    /** A syntax error at a position. */
    public static final class SyntaxException extends Exception {
        private final int line;
        private final int column;

        SyntaxException(int line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }
    }

    /** Parses a whole document: one value surrounded by optional whitespace and comments. */
    public static Json parse(String text) throws SyntaxException {
        HuJson p = new HuJson(text);
        if (p.s.startsWith("\uFEFF")) {
            p.pos = 1;
            p.lineStart = 1;
        }
        p.skipSpace();
        if (p.pos >= p.s.length()) {
            throw p.error("the file is empty (expected a JSON object)");
        }
        Json v = p.value(0);
        p.skipSpace();
        if (p.pos < p.s.length()) {
            throw p.error("unexpected " + p.describe() + " after the end of the document");
        }
        return v;
    }

    private SyntaxException error(String message) {
        return new SyntaxException(line, pos - lineStart + 1, message);
    }

    private String describe() {
        if (pos >= s.length()) {
            return "end of file";
        }
        char c = s.charAt(pos);
        if (c < 0x20 || c == 0x7f) {
            return String.format("character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    private void skipSpace() throws SyntaxException {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '\n') {
                pos++;
                line++;
                lineStart = pos;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '/' && pos + 1 < s.length() && s.charAt(pos + 1) == '/') {
                while (pos < s.length() && s.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && pos + 1 < s.length() && s.charAt(pos + 1) == '*') {
                int startLine = line;
                int startCol = pos - lineStart + 1;
                pos += 2;
                while (true) {
                    if (pos + 1 >= s.length()) {
                        throw new SyntaxException(startLine, startCol, "unterminated /* comment");
                    }
                    if (s.charAt(pos) == '*' && s.charAt(pos + 1) == '/') {
                        pos += 2;
                        break;
                    }
                    if (s.charAt(pos) == '\n') {
                        line++;
                        lineStart = pos + 1;
                    }
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private Json value(int depth) throws SyntaxException {
        if (pos >= s.length()) {
            throw error("unexpected end of file (expected a value)");
        }
        char c = s.charAt(pos);
        int l = line;
        int col = pos - lineStart + 1;
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> new Json.Str(string(), l, col);
            case 't' -> literal("true", new Json.Bool(true, l, col));
            case 'f' -> literal("false", new Json.Bool(false, l, col));
            case 'n' -> literal("null", new Json.Null(l, col));
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected " + describe() + " (expected a value)");
            }
        };
    }

    private Json literal(String word, Json v) throws SyntaxException {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describe() + " (expected a value)");
        }
        pos += word.length();
        return v;
    }

    private Json object(int depth) throws SyntaxException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        int l = line;
        int col = pos - lineStart + 1;
        pos++; // {
        List<Json.Member> members = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        skipSpace();
        while (true) {
            if (pos >= s.length()) {
                throw new SyntaxException(l, col, "unterminated object (missing '}')");
            }
            if (s.charAt(pos) == '}') {
                pos++;
                return new Json.Obj(members, l, col);
            }
            if (s.charAt(pos) != '"') {
                throw error("unexpected " + describe() + " (expected a quoted key or '}')");
            }
            int kl = line;
            int kc = pos - lineStart + 1;
            String key = string();
            if (!seen.add(key)) {
                throw new SyntaxException(kl, kc, "duplicate key \"" + key + "\"");
            }
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != ':') {
                throw error("unexpected " + describe() + " (expected ':' after key \"" + key + "\")");
            }
            pos++;
            skipSpace();
            Json v = value(depth);
            members.add(new Json.Member(key, kl, kc, v));
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                skipSpace();
            } else if (pos < s.length() && s.charAt(pos) != '}') {
                throw error("unexpected " + describe() + " (expected ',' or '}')");
            }
        }
    }

    private Json array(int depth) throws SyntaxException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        int l = line;
        int col = pos - lineStart + 1;
        pos++; // [
        List<Json> items = new ArrayList<>();
        skipSpace();
        while (true) {
            if (pos >= s.length()) {
                throw new SyntaxException(l, col, "unterminated array (missing ']')");
            }
            if (s.charAt(pos) == ']') {
                pos++;
                return new Json.Arr(items, l, col);
            }
            items.add(value(depth));
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                skipSpace();
            } else if (pos < s.length() && s.charAt(pos) != ']') {
                throw error("unexpected " + describe() + " (expected ',' or ']')");
            }
        }
    }

    private String string() throws SyntaxException {
        int l = line;
        int col = pos - lineStart + 1;
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw new SyntaxException(l, col, "unterminated string");
            }
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error(c == '\n' ? "unterminated string (a newline must be written \\n)"
                        : String.format("control character U+%04X in a string (escape it)", (int) c));
            }
            if (Character.isHighSurrogate(c)) {
                if (pos + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(pos + 1))) {
                    throw error("unpaired surrogate in a string");
                }
                sb.append(c).append(s.charAt(pos + 1));
                pos += 2;
                continue;
            }
            if (Character.isLowSurrogate(c)) {
                throw error("unpaired surrogate in a string");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= s.length()) {
                throw new SyntaxException(l, col, "unterminated string");
            }
            char e = s.charAt(pos + 1);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4(pos + 2);
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 12 > s.length() || s.charAt(pos + 6) != '\\' || s.charAt(pos + 7) != 'u') {
                            throw error("unpaired surrogate escape \\u" + s.substring(pos + 2, pos + 6));
                        }
                        char lo = hex4(pos + 8);
                        if (!Character.isLowSurrogate(lo)) {
                            throw error("unpaired surrogate escape \\u" + s.substring(pos + 2, pos + 6));
                        }
                        sb.append(u).append(lo);
                        pos += 12;
                        continue;
                    }
                    if (Character.isLowSurrogate(u)) {
                        throw error("unpaired surrogate escape \\u" + s.substring(pos + 2, pos + 6));
                    }
                    sb.append(u);
                    pos += 6;
                    continue;
                }
                default -> throw error("bad escape \\" + (e < 0x20 ? String.format("U+%04X", (int) e) : e)
                        + " in a string");
            }
            pos += 2;
        }
    }

    private char hex4(int at) throws SyntaxException {
        if (at + 4 > s.length()) {
            throw error("bad \\u escape (expected 4 hex digits)");
        }
        int v = 0;
        for (int i = at; i < at + 4; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 'f') {
                throw error("bad \\u escape (expected 4 hex digits)");
            }
            v = v * 16 + d;
        }
        return (char) v;
    }

    private Json number() throws SyntaxException {
        int l = line;
        int col = pos - lineStart + 1;
        int start = pos;
        if (s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
            throw error("bad number (expected a digit)");
        }
        if (s.charAt(pos) == '0' && pos + 1 < s.length() && isDigit(s.charAt(pos + 1))) {
            throw error("bad number (leading zero)");
        }
        while (pos < s.length() && isDigit(s.charAt(pos))) {
            pos++;
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("bad number (expected a digit after '.')");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("bad number (expected a digit in the exponent)");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        return new Json.Num(s.substring(start, pos), l, col);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
