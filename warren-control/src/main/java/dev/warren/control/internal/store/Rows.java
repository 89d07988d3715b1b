package dev.warren.control.internal.store;

import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;

import java.time.Instant;
import java.util.List;

/** The rows the store keeps, as immutable records. Times are millisecond precision. */
public final class Rows {
    private Rows() {
    }

    public record DomainRow(long id, String name, boolean requireApproval, Instant created) {
    }

    public record UserRow(long id, long domainId, String login, Instant created) {
    }

    /** A pre-auth key; only the SHA-256 of its text is kept. {@code usedAt} is the first use, or null. */
    public record AuthKeyRow(long id, long domainId, long userId, String keyHash, String keyPrefix, boolean reusable,
                             boolean ephemeral, boolean preapproved, List<String> tags, Instant created,
                             Instant expires, Instant usedAt) {
        public AuthKeyRow {
            tags = List.copyOf(tags);
        }

        public AuthKeyRow withUsedAt(Instant t) {
            return new AuthKeyRow(id, domainId, userId, keyHash, keyPrefix, reusable, ephemeral, preapproved, tags,
                    created, expires, t);
        }
    }

    /**
     * A node. {@code keyExpiry} is always set; {@code keyExpiryDisabled} overrides it. {@code addressIndex} derives
     * both addresses and never changes.
     */
    public record NodeRow(long id, long domainId, long userId, MachineKey machineKey, NodeKey nodeKey, String name,
                          long addressIndex, Hostinfo hostinfo, List<String> endpoints, List<String> tags,
                          Instant created, Instant lastSeen, Instant keyExpiry, boolean keyExpiryDisabled,
                          boolean authorized, boolean ephemeral, Long authKeyId) {
        public NodeRow {
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        public Builder toBuilder() {
            return new Builder(this);
        }

        /** Copy-and-change for the few fields that change. */
        public static final class Builder {
            private long userId;
            private NodeKey nodeKey;
            private String name;
            private Hostinfo hostinfo;
            private List<String> endpoints;
            private List<String> tags;
            private Instant lastSeen;
            private Instant keyExpiry;
            private boolean keyExpiryDisabled;
            private boolean authorized;
            private boolean ephemeral;
            private Long authKeyId;
            private final NodeRow r;

            Builder(NodeRow r) {
                this.r = r;
                userId = r.userId;
                nodeKey = r.nodeKey;
                name = r.name;
                hostinfo = r.hostinfo;
                endpoints = r.endpoints;
                tags = r.tags;
                lastSeen = r.lastSeen;
                keyExpiry = r.keyExpiry;
                keyExpiryDisabled = r.keyExpiryDisabled;
                authorized = r.authorized;
                ephemeral = r.ephemeral;
                authKeyId = r.authKeyId;
            }

            public Builder userId(long v) { userId = v; return this; }
            public Builder nodeKey(NodeKey v) { nodeKey = v; return this; }
            public Builder name(String v) { name = v; return this; }
            public Builder hostinfo(Hostinfo v) { hostinfo = v; return this; }
            public Builder endpoints(List<String> v) { endpoints = v; return this; }
            public Builder tags(List<String> v) { tags = v; return this; }
            public Builder lastSeen(Instant v) { lastSeen = v; return this; }
            public Builder keyExpiry(Instant v) { keyExpiry = v; return this; }
            public Builder keyExpiryDisabled(boolean v) { keyExpiryDisabled = v; return this; }
            public Builder authorized(boolean v) { authorized = v; return this; }
            public Builder ephemeral(boolean v) { ephemeral = v; return this; }
            public Builder authKeyId(Long v) { authKeyId = v; return this; }

            public NodeRow build() {
                return new NodeRow(r.id, r.domainId, userId, r.machineKey, nodeKey, name, r.addressIndex, hostinfo,
                        endpoints, tags, r.created, lastSeen, keyExpiry, keyExpiryDisabled, authorized, ephemeral,
                        authKeyId);
            }
        }
    }

    /** The access policy of a domain: its HuJSON text as the admin set it, and when. */
    public record PolicyRow(long domainId, String text, Instant updated) {
    }

    /** Everything the store holds, read once at start-up. */
    public record Contents(List<DomainRow> domains, List<UserRow> users, List<AuthKeyRow> authKeys,
                           List<NodeRow> nodes, Counters counters, List<PolicyRow> policies) {
    }

    /** The next value of each counter. */
    public record Counters(long domainId, long userId, long authKeyId, long nodeId, long addressIndex) {
    }
}
