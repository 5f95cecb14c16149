-- Read-your-writes: per projection and event-log partition, the offset up to which every event of
-- mnemo.memory-events.v1 is reflected in the projection (applied, or settled without a change). Written by the
-- sink in the same transaction as the rows, so on a replica it is exactly as fresh as the rows next to it.
-- A client holding position "p:o" from ingest reads its write from any source whose watermark for p is >= o.
CREATE TABLE projection_watermarks (
    projection     text        NOT NULL,
    partition      integer     NOT NULL,
    applied_offset bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, partition)
);
