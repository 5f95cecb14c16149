-- API keys. Only a SHA-256 of the secret is stored: a leaked table (or backup) does not leak usable keys.
-- A key is never deleted, only revoked, so who had access and when stays auditable.
CREATE TABLE api_keys (
    key_id          text        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    name            text        NOT NULL,
    secret_hash     text        NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    scopes          text[]      NOT NULL,
    rate_per_second integer     NULL CHECK (rate_per_second > 0),
    burst           integer     NULL CHECK (burst > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz NULL
);

-- The services load every active key on each refresh; operators list keys per tenant.
CREATE INDEX api_keys_active_by_tenant ON api_keys (tenant_id) WHERE revoked_at IS NULL;
