-- Full-text search as its own projection (issue 13). The GIN on to_tsvector(content) cost the memories sink about
-- half of Postgres's work per row (47 of 94 µs, docs/performance.md): it moves to memory_search, written by a sink of
-- its own (own consumer group, offsets and watermark 'memory_search'), so a user's memories are listed as soon as
-- the memories sink wrote them and search follows. A q= read waits for both watermarks.
--
-- One row per memory the projection has seen, with the version of the change it reflects. A deleted (or erased)
-- memory keeps a tombstone: version and a NULL tsvector, no words. The version guard compares against it, so an
-- older change replayed later cannot bring the memory's words back (memory_locator does the same for memories).
-- No occurred_at: a search joins memory_locator and memories by memory id, so a move in time never strands a row.
CREATE TABLE memory_search (
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    memory_id  uuid        NOT NULL,
    version    bigint      NOT NULL,
    words      tsvector,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, memory_id)
);

-- Backfill from the memories projection as it is now, and start the search sink exactly where the memories sink
-- is: both tables, offsets and watermarks are read in this migration's one snapshot, and the memories sink commits
-- its rows, offsets and watermarks together, so the copy is the fold of the log up to exactly those offsets.
-- Cost: one to_tsvector per live memory plus the GIN build once at the end (cheaper than row by row); measured in
-- docs/performance.md. Tombstones come from the locator's deleted rows.
INSERT INTO memory_search (tenant_id, user_id, memory_id, version, words)
SELECT l.tenant_id, l.user_id, l.memory_id, l.version,
       CASE WHEN l.deleted OR m.content IS NULL THEN NULL ELSE to_tsvector('simple', m.content) END
FROM memory_locator l
LEFT JOIN memories m ON m.tenant_id = l.tenant_id AND m.user_id = l.user_id AND m.occurred_at = l.occurred_at
                    AND m.memory_id = l.memory_id AND NOT l.deleted;

INSERT INTO projection_offsets (projection, topic, partition, next_offset)
SELECT 'memory_search', topic, partition, next_offset FROM projection_offsets WHERE projection = 'memories'
ON CONFLICT (projection, topic, partition) DO NOTHING;

INSERT INTO projection_watermarks (projection, partition, applied_offset)
SELECT 'memory_search', partition, applied_offset FROM projection_watermarks WHERE projection = 'memories'
ON CONFLICT (projection, partition) DO NOTHING;

CREATE INDEX memory_search_words ON memory_search USING gin (words);

DROP INDEX memories_content_search;

-- Analysts (V9): the words of live memories, with the GIN behind them; join analytics.memories for the rest.
CREATE OR REPLACE VIEW analytics.memory_search AS
SELECT tenant_id, user_id, memory_id, words FROM public.memory_search WHERE words IS NOT NULL;
COMMENT ON VIEW analytics.memory_search IS
    'The words (to_tsvector(''simple'', content)) of each live memory, GIN-indexed; follows analytics.memories.';
GRANT SELECT ON analytics.memory_search TO mnemo_reader;
