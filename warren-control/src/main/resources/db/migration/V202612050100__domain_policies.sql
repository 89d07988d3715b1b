-- Warren control server: the access policy of each domain (issue 6). Portable between SQLite and PostgreSQL.
-- One row per domain, holding the HuJSON text exactly as the admin set it; the server compiles it at start-up.
-- A domain created later gets its row in the same transaction as the domain itself.
CREATE TABLE policies (
    domain_id  BIGINT NOT NULL PRIMARY KEY REFERENCES domains (id),
    text       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Domains that exist at this migration keep what they had before access policies existed: every node sees every
-- other one. They get the allow-all policy a new domain starts with (Policy.ALLOW_ALL_TEXT, as of this migration).
INSERT INTO policies (domain_id, text, updated_at)
SELECT id, '// Warren access policy (HuJSON: JSON with comments and trailing commas).
// This domain existed before access policies did, so it starts as every new domain does: allowing all traffic
// between its nodes. Narrow it with: warren control policy set --domain NAME FILE
{
  "acls": [
    {"action": "accept", "src": ["*"], "dst": ["*:*"]},
  ],
}
', created_at FROM domains;
