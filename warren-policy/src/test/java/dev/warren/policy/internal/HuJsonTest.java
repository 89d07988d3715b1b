package dev.warren.policy.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HuJsonTest {
    @Test
    void commentsAndTrailingCommas() throws Exception {
        Json v = HuJson.parse("""
                // leading comment
                {
                  /* block
                     comment */ "a": [1, 2, 3,], // trailing comma in an array
                  "b": {"c": true, "d": null,},
                }
                """);
        Json.Obj o = assertInstanceOf(Json.Obj.class, v);
        assertEquals(List.of("a", "b"), o.members().stream().map(Json.Member::key).toList());
        Json.Arr a = assertInstanceOf(Json.Arr.class, o.members().get(0).value());
        assertEquals(List.of("1", "2", "3"), a.items().stream().map(j -> ((Json.Num) j).text()).toList());
        Json.Obj b = assertInstanceOf(Json.Obj.class, o.members().get(1).value());
        assertEquals(new Json.Bool(true, 5, 14), b.members().get(0).value());
        assertInstanceOf(Json.Null.class, b.members().get(1).value());
    }

    @Test
    void stringEscapes() throws Exception {
        Json.Str s = (Json.Str) HuJson.parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00 // not a comment\"");
        assertEquals("a\"b\\c/d\n\té\uD83D\uDE00 // not a comment", s.value());
        Json.Str slashes = (Json.Str) HuJson.parse("\"http://x/*y*/\"");
        assertEquals("http://x/*y*/", slashes.value());
    }

    @Test
    void positionsAreOneBasedLineAndColumn() throws Exception {
        Json.Obj o = (Json.Obj) HuJson.parse("{\n  // c\n  \"key\":\n      \"value\"}");
        Json.Member m = o.members().getFirst();
        assertEquals(3, m.line());
        assertEquals(3, m.column());
        assertEquals(4, m.value().line());
        assertEquals(7, m.value().column());
        assertEquals(1, o.line());
        assertEquals(1, o.column());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\": 1 \"b\": 2}|1|9|expected ',' or '}'",
            "{\"a\": [1, 2}|1|12|expected ',' or ']'",
            "{\"a\": \"x|1|7|unterminated string",
            "{\"a\": /* x|1|7|unterminated /* comment",
            "{\"a\": 01}|1|7|leading zero",
            "{\"a\": tru}|1|7|expected a value",
            "{\"a\": \"\\q\"}|1|8|bad escape \\q",
            "{\"a\": \"\\u12g4\"}|1|8|bad \\u escape",
            "{\"a\": 1, \"a\": 2}|1|10|duplicate key \"a\"",
            "{} x|1|4|after the end of the document",
            "''|1|1|the file is empty",
            "{,}|1|2|expected a quoted key",
            "[1,,2]|1|4|expected a value",
            "{\"a\" 1}|1|6|expected ':'",
    })
    void syntaxErrorsNameLineColumnAndProblem(String text, int line, int column, String message) {
        String t = text.equals("''") ? "" : text;
        HuJson.SyntaxException e = assertThrows(HuJson.SyntaxException.class, () -> HuJson.parse(t));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
    }

    @Test
    void errorPositionsCountLinesAfterComments() {
        HuJson.SyntaxException e = assertThrows(HuJson.SyntaxException.class,
                () -> HuJson.parse("{\n/* one\ntwo */\n  \"a\": [1 2]\n}"));
        assertEquals(4, e.line());
        assertEquals(11, e.column());
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "[".repeat(100) + "]".repeat(100);
        HuJson.SyntaxException e = assertThrows(HuJson.SyntaxException.class, () -> HuJson.parse(deep));
        assertTrue(e.getMessage().contains("nesting"));
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        assertThrows(HuJson.SyntaxException.class, () -> HuJson.parse("\"a\u0001b\""));
        assertThrows(HuJson.SyntaxException.class, () -> HuJson.parse("\"a\nb\""));
        assertThrows(HuJson.SyntaxException.class, () -> HuJson.parse("\"\\ud800\""));
    }
}
