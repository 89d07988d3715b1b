package dev.warren.policy.internal;

import java.util.List;

/**
 * The tree a HuJSON document parses into: JSON values that remember the 1-based line and column where they start,
 * so that validation errors can point at the offending value. Object members keep their order and the position
 * of their key.
 */
public sealed interface Json {
    int line();

    int column();

    /** A short name of the value's kind for error messages ("a string", "an array"). */
    String kind();

    record Obj(List<Member> members, int line, int column) implements Json {
        public Obj {
            members = List.copyOf(members);
        }

        @Override
        public String kind() {
            return "an object";
        }
    }

    record Member(String key, int line, int column, Json value) {
    }

    record Arr(List<Json> items, int line, int column) implements Json {
        public Arr {
            items = List.copyOf(items);
        }

        @Override
        public String kind() {
            return "an array";
        }
    }

    record Str(String value, int line, int column) implements Json {
        @Override
        public String kind() {
            return "a string";
        }
    }

    /** A number, kept as its source text. */
    record Num(String text, int line, int column) implements Json {
        @Override
        public String kind() {
            return "a number";
        }
    }

    record Bool(boolean value, int line, int column) implements Json {
        @Override
        public String kind() {
            return "a boolean";
        }
    }

    record Null(int line, int column) implements Json {
        @Override
        public String kind() {
            return "null";
        }
    }
}
