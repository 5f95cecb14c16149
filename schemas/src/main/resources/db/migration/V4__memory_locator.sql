-- Where each memory lives and the last version applied to it, deletions included. The sink consults it in the
-- same transaction as the rows: a late older version can neither resurrect a forgotten memory nor leave a copy
-- behind in its old month when a revision moved occurred_at. The query service finds memories by id through it.
CREATE TABLE memory_locator (
    tenant_id   text        NOT NULL,
    user_id     text        NOT NULL,
    memory_id   uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    version     bigint      NOT NULL,
    deleted     boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, memory_id)
);

CREATE INDEX memory_locator_by_id ON memory_locator (tenant_id, memory_id);
