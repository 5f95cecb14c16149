-- One row per content-addressed media object media/{tenant}/{sha256}, written only by the media sink. The row
-- and the object come and go together: the sink creates the row, promotes the staged bytes (hash verified) and
-- commits; it deletes the object and the row when no memory of the tenant references the hash any more. Other
-- sinks of the same tenant serialise on this row (SELECT ... FOR UPDATE) before adding or dropping a reference.
CREATE TABLE media (
    tenant_id    text        NOT NULL,
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size         bigint      NOT NULL CHECK (size >= 0),
    content_type text        NOT NULL,
    object_key   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);

-- Which media (by the id the producer uploaded it under) each live memory references, and the hash of its
-- bytes. Identical bytes uploaded twice share one media row and one object; each reference is a row here.
CREATE TABLE memory_media (
    tenant_id text NOT NULL,
    user_id   text NOT NULL,
    memory_id uuid NOT NULL,
    media_id  text NOT NULL,
    sha256    text NOT NULL,
    PRIMARY KEY (tenant_id, user_id, memory_id, media_id),
    FOREIGN KEY (tenant_id, sha256) REFERENCES media (tenant_id, sha256)
);

-- "Does any memory of the tenant still reference these bytes?" (and the foreign key's check on delete).
CREATE INDEX memory_media_by_sha ON memory_media (tenant_id, sha256);
-- The query service looks media up by id; the sink asks whether a user still references a media id.
CREATE INDEX memory_media_by_media_id ON memory_media (tenant_id, user_id, media_id);

-- Last version of each memory applied by the media projection, deletions included, kept after a forget or an
-- erasure (like memory_locator): a redelivered or replayed older change, deletions included, changes nothing.
CREATE TABLE media_memory_versions (
    tenant_id text   NOT NULL,
    user_id   text   NOT NULL,
    memory_id uuid   NOT NULL,
    version   bigint NOT NULL,
    PRIMARY KEY (tenant_id, user_id, memory_id)
);
