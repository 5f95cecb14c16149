-- Next offset to consume per projection and source partition. Sinks update it in the same transaction
-- as the rows they write, so a crash can never leave rows without their offset or the reverse.
CREATE TABLE projection_offsets (
    projection  text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition)
);
