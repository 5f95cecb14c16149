-- Crypto-shredding (issue 15): one data key per user, wrapped by the master key. Events, changes and dead letters
-- carry the user's content sealed under this key; erasing the user deletes the key (wrapped_key NULL, erased_at
-- set) before anything else, and from then on no replay, rebuild or topic read can recover the content. The row
-- stays as the erasure's mark: ingest answers 410 Gone to later writes for the user and never makes a new key.
CREATE TABLE user_data_keys (
    tenant_id     text        NOT NULL,
    user_id       text        NOT NULL,
    wrapped_key   bytea,
    master_key_id text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT user_data_keys_erased_has_no_key CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
COMMENT ON TABLE user_data_keys IS
    'Per-user data keys (AES-256, wrapped by the master key). A row without a key is an erased user.';
