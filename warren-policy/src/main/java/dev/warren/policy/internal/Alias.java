package dev.warren.policy.internal;

import dev.warren.wire.net.IpPrefix;

import java.util.List;

/**
 * A validated selector from a policy's {@code src} or {@code dst}: who or what it names. Group members and host
 * addresses are resolved at parse time, so an alias can be matched against a node without the policy at hand.
 */
public sealed interface Alias {
    /** The text it was written as (for traces and messages). */
    String text();

    /** {@code *}: every address. */
    record Any() implements Alias {
        @Override
        public String text() {
            return "*";
        }
    }

    /**
     * A user by login. {@code alice@example.com} names exactly that login; the short form {@code alice@} names the
     * login {@code alice} and any login {@code alice@<domain>}.
     */
    record User(String login) implements Alias {
        @Override
        public String text() {
            return login;
        }

        /** Whether this alias names the node owner {@code candidate}. */
        public boolean matchesLogin(String candidate) {
            if (login.endsWith("@")) {
                String local = login.substring(0, login.length() - 1);
                return candidate.equals(local) || candidate.startsWith(login);
            }
            return candidate.equals(login);
        }
    }

    /**
     * {@code group:name}, with its members. A class rather than a record so it can keep an index of its members'
     * logins: matching a node against a large group is one hash lookup.
     */
    final class Group implements Alias {
        private final String name;
        private final List<User> members;
        private final java.util.Set<String> exact = new java.util.HashSet<>();
        private final List<User> shortForms = new java.util.ArrayList<>();

        public Group(String name, List<User> members) {
            this.name = name;
            this.members = List.copyOf(members);
            for (User u : this.members) {
                if (u.login().endsWith("@")) {
                    shortForms.add(u);
                } else {
                    exact.add(u.login());
                }
            }
        }

        public String name() {
            return name;
        }

        public List<User> members() {
            return members;
        }

        @Override
        public String text() {
            return name;
        }

        public boolean containsLogin(String login) {
            if (exact.contains(login)) {
                return true;
            }
            for (User u : shortForms) {
                if (u.matchesLogin(login)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Group g && g.name.equals(name) && g.members.equals(members);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + members.hashCode();
        }

        @Override
        public String toString() {
            return "Group[" + name + ", " + members.size() + " members]";
        }
    }

    /** {@code tag:name}. */
    record Tag(String name) implements Alias {
        @Override
        public String text() {
            return name;
        }
    }

    /** An IP, a CIDR, or a name from {@code hosts} ({@code hostName} non-null) standing for one. */
    record Prefix(String hostName, IpPrefix prefix) implements Alias {
        @Override
        public String text() {
            return hostName != null ? hostName : prefix.toString();
        }
    }

    /** The autogroups Warren implements. */
    enum AutoKind {
        MEMBER("autogroup:member"), TAGGED("autogroup:tagged"), SELF("autogroup:self"),
        INTERNET("autogroup:internet"), DANGER_ALL("autogroup:danger-all");

        public final String text;

        AutoKind(String text) {
            this.text = text;
        }
    }

    /** {@code autogroup:...}. */
    record Auto(AutoKind kind) implements Alias {
        @Override
        public String text() {
            return kind.text;
        }
    }
}
