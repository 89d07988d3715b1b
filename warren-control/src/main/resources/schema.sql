-- schema.sql: the documented truth of the control server schema (SQLite and PostgreSQL).
-- Migrations in db/migration are append-only and must, applied in order, produce exactly this.
-- Times are epoch milliseconds (BIGINT). Ids are assigned by the server from the counters table.
CREATE TABLE domains (
    id               BIGINT       NOT NULL PRIMARY KEY,
    name             VARCHAR(63)  NOT NULL UNIQUE,
    require_approval BOOLEAN      NOT NULL,
    created_at       BIGINT       NOT NULL
);

CREATE TABLE users (
    id         BIGINT       NOT NULL PRIMARY KEY,
    domain_id  BIGINT       NOT NULL REFERENCES domains (id),
    login      VARCHAR(320) NOT NULL,
    created_at BIGINT       NOT NULL,
    UNIQUE (domain_id, login)
);

CREATE TABLE auth_keys (
    id          BIGINT      NOT NULL PRIMARY KEY,
    domain_id   BIGINT      NOT NULL REFERENCES domains (id),
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    key_hash    VARCHAR(64) NOT NULL UNIQUE,
    key_prefix  VARCHAR(32) NOT NULL,
    reusable    BOOLEAN     NOT NULL,
    ephemeral   BOOLEAN     NOT NULL,
    preapproved BOOLEAN     NOT NULL,
    tags        TEXT        NOT NULL,
    created_at  BIGINT      NOT NULL,
    expires_at  BIGINT      NOT NULL,
    used_at     BIGINT
);

CREATE TABLE nodes (
    id                  BIGINT      NOT NULL PRIMARY KEY,
    domain_id           BIGINT      NOT NULL REFERENCES domains (id),
    user_id             BIGINT      NOT NULL REFERENCES users (id),
    machine_key         VARCHAR(80) NOT NULL,
    node_key            VARCHAR(80) NOT NULL UNIQUE,
    name                VARCHAR(63) NOT NULL,
    address_index       BIGINT      NOT NULL UNIQUE,
    hostinfo            TEXT,
    endpoints           TEXT        NOT NULL,
    tags                TEXT        NOT NULL,
    created_at          BIGINT      NOT NULL,
    last_seen           BIGINT,
    key_expiry          BIGINT      NOT NULL,
    key_expiry_disabled BOOLEAN     NOT NULL,
    authorized          BOOLEAN     NOT NULL,
    ephemeral           BOOLEAN     NOT NULL,
    auth_key_id         BIGINT,
    UNIQUE (domain_id, machine_key),
    UNIQUE (domain_id, name)
);

-- The access policy of each domain: the HuJSON text as the admin set it (a new domain starts with allow-all).
CREATE TABLE policies (
    domain_id  BIGINT NOT NULL PRIMARY KEY REFERENCES domains (id),
    text       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Monotonic counters: the next id of each table and the next address index. Never decremented, so ids and
-- addresses of deleted rows are never reused.
CREATE TABLE counters (
    name  VARCHAR(64) NOT NULL PRIMARY KEY,
    value BIGINT      NOT NULL
);

INSERT INTO counters (name, value) VALUES ('domain_id', 1);
INSERT INTO counters (name, value) VALUES ('user_id', 1);
INSERT INTO counters (name, value) VALUES ('auth_key_id', 1);
INSERT INTO counters (name, value) VALUES ('node_id', 1);
INSERT INTO counters (name, value) VALUES ('address_index', 1);
